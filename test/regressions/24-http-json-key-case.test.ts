// A body rule on `body:$.force=true` must see `{"FORCE":true}`: Go's encoding/json (most Go APIs) matches a
// key to a field without regard to case, folding as Unicode does (`ſ` is `s`, the Kelvin sign `k`), so the
// upstream ran a forced request the rule was written to stop. Traits carry the folded key path too.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { httpbinGatewayForFile } from '../support/httpbin-gateway.ts'

const g = httpbinGatewayForFile({
  extraConfig: `
guardrails:
- id: no-force
  description: forced updates are not done by agents
  action: deny
  resources: [$RES]
  match: { traits: ["body:$.force=true", "body:$.spec.strategy.kind=recreate"] }`,
})

test('a body rule matches every spelling of a key a case-insensitive decoder reads as its field', async () => {
  const { token } = await g.grant('PUT:/anything/*')
  const put = (body: string) =>
    g.fetch('/anything/x', token, { method: 'PUT', headers: { 'content-type': 'application/json' }, body })
  for (const body of [
    '{"FORCE":true}',
    '{"force":false,"Force":true}',
    '{"\u017fpec":{"strategy":{"kind":"recreate"}}}',
    '{"Spec":{"STRATEGY":{"\u212Aind":"recreate"}}}',
  ]) {
    const res = await put(body)
    const text = await res.text()
    assert.equal(res.status, 403, `${body}: ${text.slice(0, 200)}`)
    assert.equal((JSON.parse(text) as { rule: string }).rule, 'guardrail:no-force', body)
  }
  assert.equal((await put('{"Force":false}')).status, 200)
})

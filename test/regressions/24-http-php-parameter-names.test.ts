// A rule on `query:dry_run=false` must see `?dry.run=false`: PHP (Symfony, Laravel, WordPress) registers a
// parameter name with leading spaces dropped and ` `, `.` and an unclosed `[` read as `_`, so the upstream
// ran the request the rule was written to stop under a spelling the gateway read as another name. The same
// for form bodies (`$_POST`). Real httpbin.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { httpbinGatewayForFile } from '../support/httpbin-gateway.ts'

const g = httpbinGatewayForFile({
  extraConfig: `
guardrails:
- id: no-real-runs
  description: agents only dry-run
  action: deny
  resources: [$RES]
  match: { traits: ["query:dry_run=false", "body:$.dry_run=false"] }`,
})

test('a parameter rule sees every spelling PHP reads as its name', async () => {
  const { token } = await g.grant('*:/anything/*')
  const refused = async (path: string, init: RequestInit = {}) => {
    const res = await g.fetch(path, token, init)
    const text = await res.text()
    assert.equal(res.status, 403, `${path} ${String(init.body ?? '')}: ${text.slice(0, 200)}`)
    assert.equal((JSON.parse(text) as { rule: string }).rule, 'guardrail:no-real-runs')
  }
  for (const query of [
    'dry.run=false',
    'dry%20run=false',
    '%20dry_run=false',
    'dry%5Brun=false',
    'dry_run=false',
  ])
    await refused(`/anything/x?${query}`)
  for (const body of ['dry.run=false', 'dry%20run=false'])
    await refused('/anything/x', {
      method: 'PUT',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    })
  assert.equal((await g.fetch('/anything/x?dry.run=true', token)).status, 200)
})

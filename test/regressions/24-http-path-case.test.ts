// A deny guardrail on `get:/anything/secret*/**` must hold `/anything/SECRET/x` too: Express routes without
// regard to case by default, as do ASP.NET Core and IIS, so a grant on `GET:/anything/**` read the secret
// under another spelling. Scopes stay case-sensitive (a grant covers the spelling it names); guardrails'
// `needs` also see the path in lower case, as `query:` traits do. Real httpbin.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { httpbinGatewayForFile } from '../support/httpbin-gateway.ts'

const g = httpbinGatewayForFile({
  extraConfig: `
guardrails:
- id: no-secret-paths
  description: secrets are not read through the gateway
  action: deny
  resources: [$RES]
  match: { needs: ["get:/anything/secret*/**", "delete:/anything/**"] }`,
})

test('a path guardrail holds every spelling of the path a case-insensitive router reads as it', async () => {
  const { token } = await g.grant('*:/anything/**,*:/ANYTHING/**,*:/Anything/**')
  for (const [method, path] of [
    ['GET', '/anything/SECRET/x'],
    ['GET', '/Anything/Secrets'],
    ['GET', '/ANYTHING/SECRET'],
    ['DELETE', '/ANYTHING/x'],
  ] as const) {
    const res = await g.fetch(path, token, { method })
    const text = await res.text()
    assert.equal(res.status, 403, `${method} ${path}: ${text.slice(0, 200)}`)
    assert.equal((JSON.parse(text) as { rule: string }).rule, 'guardrail:no-secret-paths', path)
  }
  const fine = await g.fetch('/anything/Public', token)
  assert.equal(fine.status, 200)
  // Scopes keep the case they name: a grant on the lower-case path does not cover another spelling.
  const { token: lower } = await g.grant('GET:/anything/**')
  assert.equal((await g.fetch('/ANYTHING/public', lower)).status, 403)
})

// Outside review, session 7: the HTTP engine replaced query values named like secrets in what it records, but
// read the names as written: a percent-encoded name (`%74oken`, which every upstream decodes to `token`) or a
// pair after `;` (a separator to Rack 2 and older Python frameworks) kept its value verbatim in the recording
// and the audit log. A request the gateway could not normalise (a denial) was recorded and audited with its
// raw target, query secrets and all; an inspected form body (`password=…`) was recorded as sent. Audit
// entries are hash-chained and exported to SIEMs: a secret written there cannot be taken back.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type HttpGateway, startHttpGateway } from '../support/start-http-gateway.ts'
import { type Httpbin, startHttpbin } from '../support/start-httpbin.ts'

let upstream: Httpbin
let g: HttpGateway

before(async () => {
  upstream = await startHttpbin()
  g = await startHttpGateway({
    upstream: upstream.url,
    // A body rule makes the gateway read (and record a sample of) request bodies.
    extraConfig: `guardrails:
  - id: no-force
    description: no forced operations
    action: deny
    match: { traits: ["body:$.force=true"] }`,
  })
})
after(async () => {
  await g?.[Symbol.asyncDispose]()
  await upstream?.[Symbol.asyncDispose]()
})

test('query secrets under encoded names or after `;`, unnormalisable targets and form bodies stay out of records and audit', async () => {
  const { token, grant } = await g.grant('GET:/anything/**,POST:/anything/**')
  const secrets = ['S3cr3tOne', 'S3cr3tTwo', 'S3cr3tThree', 'S3cr3tFour', 'S3cr3tFive', 'S3cr3tSix']
  // Allowed requests: the upstream reads `token` and `api_key`.
  assert.equal((await g.fetch(`/anything/a?%74oken=${secrets[0]}`, token)).status, 200)
  assert.equal((await g.fetch(`/anything/b?x=1;api_key=${secrets[1]}`, token)).status, 200)
  assert.equal((await g.fetch(`/anything/c?access%5Ftoken=${secrets[2]}&ok=1`, token)).status, 200)
  // Denied before classification (an encoded `/` has two readings): recorded and audited as a denial.
  assert.equal((await g.fetch(`/anything/d%2Fe?password=${secrets[3]}`, token)).status, 403)
  // An inspected form body.
  const form = await g.fetch('/anything/form', token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `user=ada&password=${secrets[4]}&client_secret=${secrets[5]}`,
  })
  assert.equal(form.status, 200)

  const [session] = await g.gateway.core.listSessions(g.approver, { grantId: grant.id })
  const { actions } = await g.gateway.core.getSession(g.approver, session!.id)
  // What the gateway wrote of the requests (the response samples are the upstream's echo, not checked here).
  const requests = actions.map((a) => a.text).join('\n')
  assert.match(requests, /GET \/anything\/a/)
  assert.match(requests, /GET \/anything\/d%2Fe/, 'the denial is still recorded')
  assert.match(requests, /user=ada/, 'the form sample is still recorded')
  const audit = JSON.stringify(await g.gateway.core.listAudit(g.approver, {}))
  for (const secret of secrets) {
    assert.ok(!requests.includes(secret), `${secret} reached the recording: ${requests}`)
    assert.ok(!audit.includes(secret), `${secret} reached the audit log`)
  }
})

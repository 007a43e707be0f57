// A credential in the request line under a name that does not say so (`?q=eyJ…`, `?jwt=…`, `?pwd=…`) or in the
// path (`/verify/eyJ…`, a Slack-style webhook secret) was recorded, audited and, when denied, quoted in the
// recorded reason and missing scope: only query values named like `token|secret|passw|key|…` were replaced.
// The request line now goes through the secret detectors (as SSH commands and exec commands do), and the
// names cover `pass`, `pwd`, `jwt`, `credential`, `bearer`, `assertion`, `cookie`. Real httpbin.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type HttpGateway, startHttpGateway } from '../support/start-http-gateway.ts'
import { type Httpbin, startHttpbin } from '../support/start-httpbin.ts'

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWc'
let upstream: Httpbin
let g: HttpGateway

before(async () => {
  upstream = await startHttpbin()
  g = await startHttpGateway({ upstream: upstream.url })
})
after(async () => {
  await g?.[Symbol.asyncDispose]()
  await upstream?.[Symbol.asyncDispose]()
})

test('credentials in the request line stay out of records, reasons and audit', async () => {
  const { token, grant } = await g.grant('GET:/anything/*')
  const sent: Array<[string, number]> = [
    [`/anything/x?q=${JWT}`, 200],
    [`/anything/${JWT}`, 200],
    [`/anything/deep/${JWT}`, 403],
    ['/anything/x?jwt=s3cr3t-a&pwd=s3cr3t-b&pass=s3cr3t-c&credential=s3cr3t-d', 200],
    [`/anything/%2F/${JWT}`, 403],
  ]
  for (const [path, status] of sent) {
    const res = await g.fetch(path, token)
    await res.text()
    assert.equal(res.status, status, path)
  }
  let records = ''
  let lines = ''
  for (let i = 0; i < 100; i++) {
    const sessions = await g.gateway.core.listSessions(g.agent, { grantId: grant.id })
    const actions = (
      await Promise.all(sessions.map((s) => g.gateway.core.getSession(g.agent, s.id)))
    ).flatMap((s) => s.actions)
    records = JSON.stringify(actions)
    // What the gateway wrote of the request (the response sample is the upstream's, which httpbin echoes).
    lines = JSON.stringify(actions.map((a) => [a.text, a.needs, a.reason]))
    if (actions.length >= sent.length) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.match(records, /GET \/anything\/x\?q=\*\*\*\*/)
  const audit = JSON.stringify(await g.gateway.core.listAudit(g.approver, {}))
  const at = (text: string, secret: string) =>
    text.slice(Math.max(0, text.indexOf(secret) - 200), text.indexOf(secret) + 60)
  const jwt = JWT.slice(0, 40)
  assert.ok(!records.includes(jwt), `the JWT reached a session record: ${at(records, jwt)}`)
  assert.ok(!lines.includes('s3cr3t-'), `a secret-named value reached a record: ${at(lines, 's3cr3t-')}`)
  for (const secret of [jwt, 's3cr3t-']) assert.ok(!audit.includes(secret), `${secret} reached the audit log`)
})

// Guardrails, holds, masking and recording on an HTTP resource in front of httpbin: rules on method, path,
// query and JSON body fields; a held request that runs once approved; JSON responses masked by key and by
// detectors; recordings with the request line, selected headers, status, sizes and a masked sample, never
// the bearer token; the token stops working when the grant ends; requests in flight per grant bounded.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import type { Principal } from '../../../src/core/index.ts'
import { type HttpGateway, startHttpGateway } from '../../support/start-http-gateway.ts'
import { type Httpbin, startHttpbin } from '../../support/start-httpbin.ts'

describe('http guardrails, holds, masking and recording', () => {
  let upstream: Httpbin
  let g: HttpGateway
  const admin: Principal = {
    id: 'sa:admin',
    kind: 'admin',
    name: 'admin',
    groups: ['taskgate-admins'],
    via: 'service-account',
  }

  before(async () => {
    upstream = await startHttpbin()
    g = await startHttpGateway({
      upstream: upstream.url,
      resourceExtra: '    clients: { maxInspectBytes: 4096, maxConcurrentPerGrant: 2 }',
      extraConfig: `
guardrails:
  - id: no-force
    description: forced deletes are not done by agents
    action: deny
    resources: [$RES]
    match: { traits: ["query:force=true", "body:$.force=true"] }
  - id: big-refunds
    description: refunds need a second pair of eyes
    action: approve
    resources: [$RES]
    approvers: [$APPROVERS]
    match: { traits: ["body:$.refund"] }
masking:
  rules:
    - id: pii
      style: partial
      detectors: [email, card]
    - id: internal
      style: redact
      columns: [internal_code]
    - id: customer-ref
      style: redact
      columns: ["$.json.customer.ref"]`,
    })
  })
  after(async () => {
    await g?.[Symbol.asyncDispose]()
    await upstream?.[Symbol.asyncDispose]()
  })

  it('denies on a query parameter and on a JSON body field, whatever the grant', async () => {
    const { token } = await g.grant('*:/anything/**')
    const byQuery = await g.fetch('/anything/orders/1?force=true', token, { method: 'DELETE' })
    assert.equal(byQuery.status, 403)
    assert.equal(((await byQuery.json()) as { rule: string }).rule, 'guardrail:no-force')
    const byBody = await g.fetch('/anything/orders/1', token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'x', force: true }),
    })
    assert.equal(byBody.status, 403)
    assert.equal(((await byBody.json()) as { rule: string }).rule, 'guardrail:no-force')
    const fine = await g.fetch('/anything/orders/1', token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'x', force: false }),
    })
    assert.equal(fine.status, 200)
    assert.deepEqual(((await fine.json()) as { json: unknown }).json, { note: 'x', force: false })
  })

  it('reads form fields and upper-case query spellings, and refuses a JSON body with a repeated key', async () => {
    const { token } = await g.grant('*:/anything/**')
    const form = await g.fetch('/anything/orders/2', token, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'note=x&force=true',
    })
    assert.equal(form.status, 403)
    assert.equal(((await form.json()) as { rule: string }).rule, 'guardrail:no-force')
    const upper = await g.fetch('/anything/orders/2?FORCE=TRUE', token, { method: 'DELETE' })
    assert.equal(upper.status, 403)
    assert.equal(((await upper.json()) as { rule: string }).rule, 'guardrail:no-force')
    const twice = await g.fetch('/anything/orders/2', token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"force":true,"force":false}',
    })
    assert.equal(twice.status, 403)
    assert.equal(((await twice.json()) as { rule: string }).rule, 'guardrail:no-uninspected-body')
  })

  it('denies a body a body rule cannot read (over maxInspectBytes, or not JSON)', async () => {
    const { token } = await g.grant('*:/anything/**')
    // PUT: a POST body too large to read is refused earlier, as one that may carry a `_method`.
    const big = await g.fetch('/anything/orders', token, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(10_000) }),
    })
    assert.equal(big.status, 403)
    assert.equal(((await big.json()) as { rule: string }).rule, 'guardrail:no-uninspected-body')
    const text = await g.fetch('/anything/orders', token, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'force=true',
    })
    assert.equal(text.status, 403)
  })

  it('holds a request for an approver and forwards it once approved', async () => {
    const { token, grant } = await g.grant('POST:/anything/*')
    const pending = g.fetch('/anything/refunds', token, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refund: 500, card: '4111 1111 1111 1111' }),
    })
    let approvalId: string | undefined
    for (let i = 0; i < 200 && !approvalId; i++) {
      const [approval] = await g.gateway.core.listApprovals(admin, { status: ['pending'], grantId: grant.id })
      approvalId = approval?.id
      if (!approvalId) await new Promise((r) => setTimeout(r, 50))
    }
    assert.ok(approvalId, 'an approval is pending')
    const approval = await g.gateway.core.getApproval(admin, approvalId)
    assert.doesNotMatch(JSON.stringify(approval), /4111 1111 1111 1111/, 'approvers see the body masked')
    await g.gateway.core.decideApproval(g.approver, approvalId, 'approve', 'ticket 12')
    const res = await pending
    assert.equal(res.status, 200)
  })

  it('lets the approval of a held request lapse when its client gives up', async () => {
    const { token, grant } = await g.grant('POST:/anything/*')
    const client = new AbortController()
    const pending = g
      .fetch('/anything/refunds', token, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refund: 7 }),
        signal: client.signal,
      })
      .catch(() => undefined)
    const waitFor = async (want: number) => {
      for (let i = 0; i < 200; i++) {
        const list = await g.gateway.core.listApprovals(admin, { status: ['pending'], grantId: grant.id })
        if (list.length === want) return list
        await new Promise((r) => setTimeout(r, 50))
      }
      throw new Error(`never ${want} pending approvals`)
    }
    await waitFor(1)
    client.abort()
    await pending
    await waitFor(0)
  })

  it('masks JSON responses by key and by detectors, and records a masked exchange without the token', async () => {
    const { token, grant } = await g.grant('POST:/anything/*')
    const res = await g.fetch('/anything/customers', token, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'policy-test' },
      body: JSON.stringify({
        email: 'ada@example.com',
        internal_code: 'IC-99',
        note: 'card 4111 1111 1111 1111',
        customer: { ref: 'C-1' },
        ref: 'R-2',
      }),
    })
    assert.equal(res.status, 200)
    const text = await res.text()
    assert.doesNotMatch(text, /ada@example\.com/)
    // (httpbin also echoes the raw body as one string, `data`: a key rule names keys, not text inside strings)
    assert.doesNotMatch(text, /4111 1111 1111 1111/)
    assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(text)))
    const body = JSON.parse(text) as {
      json: { internal_code: string; customer: { ref: string }; ref: string }
    }
    assert.equal(body.json.internal_code, '****')
    assert.equal(body.json.customer.ref, '****', 'a JSON-path rule masks the value at its path')
    assert.equal(body.json.ref, 'R-2', 'and not the same key elsewhere')
    const [session] = await g.gateway.core.listSessions(admin, { grantId: grant.id })
    const { actions } = await g.gateway.core.getSession(admin, session!.id)
    const recorded = actions.find((a) => a.text.startsWith('POST /anything/customers'))!
    const all = JSON.stringify(actions)
    assert.doesNotMatch(all, new RegExp(token.split('.')[1]!))
    assert.doesNotMatch(all, /ada@example\.com|4111 1111 1111 1111/)
    assert.match(recorded.text, /user-agent: policy-test/)
    assert.equal(recorded.result?.rows[0]?.[0], 200)
    assert.ok(Number(recorded.result?.rows[0]?.[2]) > 0, 'response size recorded')
    assert.ok(recorded.masked && Object.keys(recorded.masked).length > 0, 'mask counts recorded')
  })

  it('passes binary bodies unchanged under masking and records them as size and SHA-256 only', async () => {
    const { token, grant } = await g.grant('GET:/image/*,GET:/bytes/*,GET:/base64/*,GET:/xml')
    const digest = (b: ArrayBuffer) => createHash('sha256').update(Buffer.from(b)).digest('hex')
    const png = await (await fetch(`${upstream.url}/image/png`)).arrayBuffer()
    const viaPng = await g.fetch('/image/png', token)
    assert.equal(viaPng.headers.get('content-type'), 'image/png')
    assert.equal(digest(await viaPng.arrayBuffer()), digest(png), 'the image arrives byte for byte')
    const bytes = await (await fetch(`${upstream.url}/bytes/3000?seed=7`)).arrayBuffer()
    assert.equal(digest(await (await g.fetch('/bytes/3000?seed=7', token)).arrayBuffer()), digest(bytes))
    // Text types get the detectors (text/html from /base64) and are sampled (XML).
    const html = await g.fetch(
      `/base64/${Buffer.from('mail ada@example.com now').toString('base64url')}`,
      token,
    )
    assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8')
    const htmlText = await html.text()
    assert.doesNotMatch(htmlText, /ada@example\.com/)
    assert.match(htmlText, /^mail .+ now$/)
    const xml = await g.fetch('/xml', token)
    assert.match(await xml.text(), /^<\?xml/)
    const [session] = await g.gateway.core.listSessions(admin, { grantId: grant.id })
    const { actions } = await g.gateway.core.getSession(admin, session!.id)
    const sample = (line: string) =>
      String(actions.find((a) => a.text.startsWith(line))?.result?.rows[0]?.[4])
    assert.equal(sample('GET /image/png'), `<${png.byteLength} bytes of image/png, sha256 ${digest(png)}>`)
    assert.equal(
      sample('GET /bytes/3000'),
      `<3000 bytes of application/octet-stream, sha256 ${digest(bytes)}>`,
    )
    assert.match(sample('GET /xml'), /^<\?xml/, 'an XML body is text: sampled (masked), not digested')
    assert.doesNotMatch(JSON.stringify(actions), /ada@example\.com/)
  })

  it('stops accepting the token once the grant ends', async () => {
    const { token, grant } = await g.grant('GET:/anything/*')
    assert.equal((await g.fetch('/anything/x', token)).status, 200)
    await g.gateway.core.endGrant(g.agent, grant.id)
    const after = await g.fetch('/anything/x', token)
    assert.ok(after.status === 401 || after.status === 403, String(after.status))
  })

  it('answers 429 past the requests in flight a grant may have', async () => {
    const { token } = await g.grant('GET:/delay/*,GET:/anything/*')
    const slow = [g.fetch('/delay/2', token), g.fetch('/delay/2', token)]
    await new Promise((r) => setTimeout(r, 300))
    const third = await g.fetch('/anything/x', token)
    assert.equal(third.status, 429)
    for (const r of await Promise.all(slow)) assert.equal(r.status, 200)
  })
})

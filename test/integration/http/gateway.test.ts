// The HTTP engine in front of a real upstream (Debian's python3-httpbin), with Node's fetch and curl as
// clients: bearer login, METHOD:/path scope, path normalisation before policy, the upstream credential
// injected and the client's identity headers stripped, problem+json denials.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { type HttpGateway, startHttpGateway } from '../../support/start-http-gateway.ts'
import { type Httpbin, startHttpbin } from '../../support/start-httpbin.ts'

const run = promisify(execFile)

describe('http resource in front of httpbin', () => {
  let upstream: Httpbin
  let g: HttpGateway

  before(async () => {
    upstream = await startHttpbin()
    process.env.TG_TEST_UPSTREAM_KEY = 'upstream-secret-123'
    g = await startHttpGateway({
      upstream: upstream.url,
      resourceExtra:
        '      credential: { type: header, name: X-Api-Key, value: { env: TG_TEST_UPSTREAM_KEY } }',
    })
  })
  after(async () => {
    await g?.[Symbol.asyncDispose]()
    await upstream?.[Symbol.asyncDispose]()
  })

  it('forwards an allowed GET with the upstream credential and without the client identity headers', async () => {
    const { token } = await g.grant('GET:/anything/*')
    const res = await g.fetch('/anything/invoices?id=7', token, {
      headers: {
        'x-forwarded-for': '10.0.0.1',
        'x-api-key': 'client-supplied',
        cookie: 'a=b',
        'x-keep': 'yes',
      },
    })
    assert.equal(res.status, 200)
    const body = (await res.json()) as {
      headers: Record<string, string>
      url: string
      args: Record<string, string>
    }
    assert.equal(body.headers['X-Api-Key'], 'upstream-secret-123')
    assert.equal(body.headers.Authorization, undefined, 'the grant credential never reaches the upstream')
    assert.equal(body.headers['X-Forwarded-For'], undefined)
    assert.equal(body.headers.Cookie, undefined)
    assert.equal(body.headers['X-Keep'], 'yes')
    assert.deepEqual(body.args, { id: '7' })
  })

  it('drops the headers the client names in Connection (hop-by-hop, RFC 9110 7.6.1)', async () => {
    const { token } = await g.grant('GET:/anything/*')
    const { stdout } = await run('curl', [
      '-sS',
      '--cacert',
      g.caFile,
      '--oauth2-bearer',
      token,
      '-H',
      'Connection: keep-alive, X-Hop',
      '-H',
      'X-Hop: one-hop-only',
      '-H',
      'X-Keep: yes',
      `${g.url}/anything/hop`,
    ])
    const body = JSON.parse(stdout) as { headers: Record<string, string> }
    assert.equal(body.headers['X-Hop'], undefined)
    assert.equal(body.headers['X-Keep'], 'yes')
  })

  it('denies a path outside the scope with 403 problem+json naming rule, missing scope and the request command', async () => {
    const { token } = await g.grant('GET:/anything/public/*')
    const res = await g.fetch('/anything/private/x', token)
    assert.equal(res.status, 403)
    assert.equal(res.headers.get('content-type'), 'application/problem+json')
    const p = (await res.json()) as Record<string, string>
    assert.equal(p.code, 'TG_SCOPE_MISSING')
    assert.equal(p.rule, 'scope')
    assert.equal(p.missingScope, 'get:/anything/private/x')
    assert.match(p.requestCommand ?? '', /taskgate grant request/)
  })

  it('reads `*` as one path segment and `**` as any number of them, after normalisation', async () => {
    const { token } = await g.grant('GET:/anything/invoices/*,GET:/anything/reports/**/summary')
    const status = async (path: string) => {
      const res = await g.fetch(path, token)
      const p = res.status === 403 ? ((await res.json()) as Record<string, string>) : undefined
      if (res.status === 200) await res.arrayBuffer()
      return p ? `${res.status} ${p.rule}` : String(res.status)
    }
    assert.equal(await status('/anything/invoices/42'), '200')
    assert.equal(await status('/anything/invoices/42/refund'), '403 scope')
    assert.equal(
      await status('/anything/invoices/'),
      '403 scope',
      'the trailing slash is the list, not an invoice',
    )
    assert.equal(await status('/anything/invoices'), '403 scope')
    assert.equal(await status('/anything/invoices/42/../43'), '200')
    assert.equal(await status('/anything/invoices/42%2Frefund'), '403 unclassified')
    assert.equal(await status('/anything/invoices/%34%32'), '200')
    assert.equal(await status('/anything/reports/summary'), '200')
    assert.equal(await status('/anything/reports/2026/q4/summary'), '200')
    assert.equal(await status('/anything/reports/2026/q4/summary/raw'), '403 scope')
  })

  it('reads percent-encoded, dotted and doubled paths as the upstream does before deciding', async () => {
    const { token } = await g.grant('GET:/anything/public/*')
    for (const path of [
      '/%61nything/private/x',
      '/anything/public/../private/x',
      '/anything/public/%2e%2e/private/x',
      '/anything//private/x',
      '/anything/public/..;/private/x',
    ]) {
      const res = await g.fetch(path, token)
      assert.equal(res.status, 403, path)
      const p = (await res.json()) as Record<string, string>
      assert.equal(p.missingScope, 'get:/anything/private/x', path)
    }
    const ok = await g.fetch('/%61nything/public/./a;jsessionid=1', token)
    assert.equal(ok.status, 200)
    const echoed = (await ok.json()) as { url: string }
    assert.match(echoed.url, /\/anything\/public\/a$/, 'the normalised path is what reaches the upstream')
  })

  it('denies a path with two readings (encoded slash, backslash, broken escape) as unclassified', async () => {
    const { token } = await g.grant('GET:/anything/*')
    for (const path of ['/anything/a%2Fb', '/anything/a%5Cb', '/anything/%zz', '/anything/..%252F']) {
      const res = await g.fetch(path, token)
      assert.equal(res.status, 403, path)
      const p = (await res.json()) as Record<string, string>
      assert.equal(p.rule, 'unclassified', path)
    }
  })

  it('answers 401 problem+json without a valid bearer token', async () => {
    const none = await g.fetch('/anything/x', null)
    assert.equal(none.status, 401)
    assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/)
    const { token } = await g.grant('GET:/anything/*')
    const wrong = await g.fetch('/anything/x', `${token.slice(0, -3)}abc`)
    assert.equal(wrong.status, 401)
    assert.equal(((await wrong.json()) as { code: string }).code, 'TG_CREDENTIAL_INVALID')
  })

  it('refuses a wrong secret for a login name already in use and keeps serving the right one', async () => {
    const { token } = await g.grant('GET:/anything/*')
    assert.equal((await g.fetch('/anything/x', token)).status, 200)
    const [user] = token.split('.')
    const forged = await g.fetch('/anything/x', `${user}.tgc_${'A'.repeat(43)}`)
    assert.equal(forged.status, 401)
    assert.equal((await g.fetch('/anything/x', token)).status, 200)
  })

  it('decides a method override as the method the upstream will run', async () => {
    const { token } = await g.grant('POST:/anything/*')
    const res = await g.fetch('/anything/x', token, {
      method: 'POST',
      headers: { 'x-http-method-override': 'DELETE' },
    })
    assert.equal(res.status, 403)
    // An override header is refused outright (test/regressions/14-http-method-override.test.ts).
    assert.equal(((await res.json()) as { rule: string }).rule, 'unclassified')
    const viaQuery = await g.fetch('/anything/x?_method=delete', token, { method: 'POST' })
    assert.equal(viaQuery.status, 403)
    assert.equal(((await viaQuery.json()) as { missingScope: string }).missingScope, 'delete:/anything/x')
    assert.equal((await g.fetch('/anything/x', token, { method: 'POST' })).status, 200)
  })

  it('serves curl with --cacert on the generated certificate (the names match)', async () => {
    const { token } = await g.grant('POST:/anything/*')
    const { stdout } = await run('curl', [
      '-sS',
      '--cacert',
      g.caFile,
      '--oauth2-bearer',
      token,
      '-H',
      'content-type: application/json',
      '-d',
      '{"a":1}',
      `${g.url}/anything/x`,
    ])
    const body = JSON.parse(stdout) as { method: string; json: unknown }
    assert.equal(body.method, 'POST')
    assert.deepEqual(body.json, { a: 1 })
  })
})

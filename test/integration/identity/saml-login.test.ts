// SAML 2.0 sign-in against a real IdP (Debian's simplesamlphp under `php -S`), driven by a real HTTP client
// that follows the redirects and posts the IdP's login form and auto-submit form as a browser would. The
// gateway signs its AuthnRequests (the IdP is set to refuse unsigned ones), checks the assertion's
// signature, audience, recipient and times, accepts a response once, and maps IdP groups to taskgate
// groups. The signed-in console can then mint a short-lived CLI token.
import assert from 'node:assert/strict'
import { createSign } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { deflateRawSync, inflateRawSync } from 'node:zlib'
import pino from 'pino'
import { type ApiServer, createApiServer } from '../../../src/api/index.ts'
import { parseConfigText } from '../../../src/config/load.ts'
import { type EmbeddedCore, openEmbeddedCore } from '../../support/embedded-core.ts'
import {
  freePort,
  makeKeyPair,
  type RunningIdp,
  startSimpleSamlPhp,
} from '../../support/start-simplesamlphp.ts'

const suffix = Math.random().toString(36).slice(2, 8)
const TOKEN_KEY = `test-token-key-${suffix}-0123456789abcdefghijklmnop`
const user = { username: `alice${suffix}`, password: `pw-${suffix}` }

let dir: string
let idp: RunningIdp
let embedded: EmbeddedCore
let api: ApiServer
let apiUrl: string
let spCertPem: string
let spKeyPem: string
/** The gateway's log: why a sign-in was refused is there (the browser only hears "sign in again"). */
const logLines: string[] = []
const refusalDetail = (from: number) =>
  logLines
    .slice(from)
    .map((l) => JSON.parse(l) as { msg?: string; detail?: string })
    .filter((l) => l.msg === 'SAML sign-in failed')
    .map((l) => l.detail ?? '')
    .join(' | ')

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-saml-'))
  const sp = await makeKeyPair(dir, 'sp')
  spCertPem = await readFile(sp.certFile, 'utf8')
  spKeyPem = await readFile(sp.keyFile, 'utf8')
  const idpPort = await freePort()
  const idpUrl = `http://127.0.0.1:${idpPort}`
  const idpSigning = await makeKeyPair(dir, 'idp')
  const idpCertFile = idpSigning.certFile
  const config = parseConfigText(
    `
identity:
  tokenSigningKey: { env: TG_TEST_UNUSED }
  providers:
    - kind: saml
      id: corp
      label: Corp SSO
      entryPoint: ${idpUrl}/saml2/idp/SSOService.php
      idpIssuer: ${idpUrl}/saml2/idp/metadata.php
      idpCertFile: ${idpCertFile}
      spPrivateKey: { file: ${sp.keyFile} }
      spCertFile: ${sp.certFile}
      groupMap:
        idp-dbas: [dbas]
        idp-staff: [staff, readers]
    - kind: saml
      id: strict
      entryPoint: ${idpUrl}/saml2/idp/SSOService.php
      idpIssuer: ${idpUrl}/saml2/idp/metadata.php
      idpCertFile: ${idpCertFile}
      spPrivateKey: { file: ${sp.keyFile} }
      spCertFile: ${sp.certFile}
      clockSkewSeconds: 0
resources:
  - id: shop-db
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: shop, user: app }
`,
    'saml-test.yaml',
  )
  embedded = await openEmbeddedCore(config, { gatewayTokenKey: TOKEN_KEY })
  api = createApiServer({
    core: embedded.core,
    logger: pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) }),
    listen: { host: '127.0.0.1', port: 0 },
    identitySecrets: {
      tokenSigningKey: TOKEN_KEY,
      samlPrivateKeys: new Map([
        ['corp', spKeyPem],
        ['strict', spKeyPem],
      ]),
    },
  })
  apiUrl = (await api.listen()).url
  idp = await startSimpleSamlPhp(
    [
      {
        ...user,
        attributes: {
          uid: [user.username],
          email: [`${user.username}@example.com`],
          groups: ['idp-dbas', 'idp-staff', 'idp-unmapped'],
        },
      },
    ],
    registration(),
    { port: idpPort, signing: idpSigning },
  )
})

after(async () => {
  await api?.close()
  await embedded?.[Symbol.asyncDispose]()
  await idp?.[Symbol.asyncDispose]()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function registration(provider = 'corp') {
  return {
    entityId: `${apiUrl}/auth/saml/${provider}/metadata`,
    acsUrl: `${apiUrl}/auth/saml/${provider}/acs`,
    certPem: spCertPem,
  }
}

/** The gateway's signed HTTP-Redirect AuthnRequest, rewritten and signed again with the SP's key (SAML
 * bindings §3.4.4.1: the signature covers `SAMLRequest=…&RelayState=…&SigAlg=…` as sent). */
function reissue(ssoUrl: string, rewrite: (xml: string) => string): string {
  const url = new URL(ssoUrl)
  const xml = inflateRawSync(Buffer.from(url.searchParams.get('SAMLRequest') ?? '', 'base64')).toString(
    'utf8',
  )
  const rewritten = rewrite(xml)
  assert.notEqual(rewritten, xml)
  const parts = [
    ['SAMLRequest', deflateRawSync(Buffer.from(rewritten)).toString('base64')],
    ['RelayState', url.searchParams.get('RelayState') ?? ''],
    ['SigAlg', url.searchParams.get('SigAlg') ?? ''],
  ]
  const signed = parts.map(([k, v]) => `${k}=${encodeURIComponent(v ?? '')}`).join('&')
  const signature = createSign('RSA-SHA256').update(signed).sign(spKeyPem, 'base64')
  return `${url.origin}${url.pathname}?${signed}&Signature=${encodeURIComponent(signature)}`
}

/** A cookie jar and redirect-following client: what a browser does, minus the rendering. */
class Browser {
  readonly cookies = new Map<string, string>()

  async request(
    url: string,
    init: RequestInit = {},
  ): Promise<{ response: Response; url: string; body: string }> {
    let current = url
    let options = init
    const follow = init.redirect !== 'manual'
    for (let hops = 0; hops < 10; hops++) {
      const response = await fetch(current, {
        ...options,
        redirect: 'manual',
        headers: { ...(options.headers as Record<string, string>), cookie: this.#cookieHeader() },
      })
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';')
        const at = pair?.indexOf('=') ?? -1
        if (pair && at > 0) this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim())
      }
      const location = response.headers.get('location')
      if (follow && response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel()
        current = new URL(location, current).href
        options = {}
        continue
      }
      return { response, url: current, body: await response.text() }
    }
    throw new Error('too many redirects')
  }

  #cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}

function hiddenInputs(html: string): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const match of html.matchAll(/<input[^>]*>/gi)) {
    const tag = match[0]
    const name = /name="([^"]*)"/i.exec(tag)?.[1]
    const value = /value="([^"]*)"/i.exec(tag)?.[1]
    if (name && value !== undefined) fields[name] = decodeEntities(value)
  }
  return fields
}

function formAction(html: string, base: string): string {
  const action = /<form[^>]*action="([^"]*)"/i.exec(html)?.[1] ?? ''
  return new URL(decodeEntities(action), base).href
}

function decodeEntities(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#039;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
}

/** Starts a sign-in at the gateway, signs in at the IdP, and returns the form the IdP auto-submits to the ACS. */
async function signInAtIdp(
  browser: Browser,
  rewriteRequest?: (ssoUrl: string) => string,
  provider = 'corp',
): Promise<{ acs: string; fields: Record<string, string> }> {
  const start = await browser.request(`${apiUrl}/auth/saml/${provider}/login?returnTo=/grants`, {
    redirect: 'manual',
  })
  const location = start.response.headers.get('location') ?? ''
  assert.equal(start.response.status, 302)
  assert.ok(location?.startsWith(idp.ssoUrl), 'the gateway redirects to the IdP')
  const loginPage = await browser.request(rewriteRequest ? rewriteRequest(location) : location)
  assert.equal(loginPage.response.status, 200, `the IdP shows its login form (${loginPage.url})`)
  assert.match(loginPage.body, /name="password"/)
  const authState =
    new URL(loginPage.url).searchParams.get('AuthState') ?? hiddenInputs(loginPage.body).AuthState
  const posted = await browser.request(formAction(loginPage.body, loginPage.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      username: user.username,
      password: user.password,
      AuthState: authState ?? '',
    }),
  })
  const fields = hiddenInputs(posted.body)
  assert.ok(
    fields.SAMLResponse,
    `the IdP answers with a SAMLResponse form (status ${posted.response.status})`,
  )
  return { acs: formAction(posted.body, posted.url), fields }
}

async function postToAcs(browser: Browser, acs: string, fields: Record<string, string>) {
  return browser.request(acs, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  })
}

async function sessionOf(browser: Browser) {
  const response = await fetch(`${apiUrl}/auth/session`, {
    headers: { cookie: `tg_session=${browser.cookies.get('tg_session') ?? ''}` },
  })
  const body = (await response.json()) as {
    principal: { id: string; name: string; groups: string[]; via: string }
    csrfToken: string
  }
  return { status: response.status, body }
}

test('SP metadata is served at the entity id URL, with the signing certificate', async () => {
  const response = await fetch(`${apiUrl}/auth/saml/corp/metadata`)
  assert.equal(response.status, 200)
  const xml = await response.text()
  assert.match(xml, new RegExp(`entityID="${apiUrl}/auth/saml/corp/metadata"`))
  assert.match(xml, new RegExp(`Location="${apiUrl}/auth/saml/corp/acs"`))
  assert.match(xml, /AuthnRequestsSigned="true"/)
  assert.ok(
    xml.includes(
      spCertPem
        .replace(/-----[^-]+-----/g, '')
        .replace(/\s+/g, '')
        .slice(0, 40),
    ),
  )
  const config = (await (await fetch(`${apiUrl}/auth/config`)).json()) as { saml: unknown }
  assert.deepEqual(config.saml, [
    { id: 'corp', label: 'Corp SSO' },
    { id: 'strict', label: 'strict' },
  ])
})

test('sign-in through the IdP: a console session with IdP groups mapped, then a CLI token that works', async () => {
  const browser = new Browser()
  const { acs, fields } = await signInAtIdp(browser)
  assert.equal(acs, `${apiUrl}/auth/saml/corp/acs`)
  const done = await postToAcs(browser, acs, fields)
  assert.equal(done.response.status, 200)
  assert.match(done.body, /url=\/grants/, 'continues to the page the sign-in started from')
  const session = await sessionOf(browser)
  assert.equal(session.status, 200)
  assert.equal(session.body.principal.id, `saml:corp:${user.username}`)
  assert.equal(session.body.principal.name, `${user.username}@example.com`)
  assert.deepEqual([...session.body.principal.groups].sort(), ['dbas', 'readers', 'staff'])
  assert.equal(session.body.principal.via, 'saml')

  const minted = await fetch(`${apiUrl}/auth/cli-token`, {
    method: 'POST',
    headers: {
      cookie: `tg_session=${browser.cookies.get('tg_session')}`,
      'x-csrf-token': session.body.csrfToken,
    },
  })
  assert.equal(minted.status, 200)
  const { token, expiresAt } = (await minted.json()) as { token: string; expiresAt: string }
  assert.match(token, /^tgt_/)
  assert.ok(Date.parse(expiresAt) - Date.now() <= 60 * 60 * 1000 + 5000)
  const whoami = await fetch(`${apiUrl}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } })
  assert.equal(whoami.status, 200)
  assert.equal(((await whoami.json()) as { id: string }).id, `saml:corp:${user.username}`)
  const tampered = `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}A`
  const refused = await fetch(`${apiUrl}/v1/whoami`, { headers: { authorization: `Bearer ${tampered}` } })
  assert.equal(refused.status, 401)
})

test('a replayed SAMLResponse is refused, even inside a fresh sign-in from the same browser', async () => {
  const browser = new Browser()
  const { acs, fields } = await signInAtIdp(browser)
  assert.equal((await postToAcs(browser, acs, fields)).response.status, 200)
  assert.ok(browser.cookies.get('tg_session'))
  const attacker = new Browser()
  // A new sign-in gives a live RelayState and binding cookie; the old response must still be refused.
  const started = await fetch(`${apiUrl}/auth/saml/corp/login`, { redirect: 'manual' })
  const relayState = new URL(started.headers.get('location') ?? '').searchParams.get('RelayState') ?? ''
  const binding = /tg_saml_login=([^;]+)/.exec(started.headers.getSetCookie().join(';'))?.[1] ?? ''
  attacker.cookies.set('tg_saml_login', binding)
  const logged = logLines.length
  const replay = await postToAcs(attacker, acs, { ...fields, RelayState: relayState })
  assert.match(replay.body, /signin\?error=/)
  assert.match(refusalDetail(logged), /InResponseTo is not valid/)
  assert.equal(attacker.cookies.get('tg_session') ?? '', '', 'no session for the replay')
})

test('a tampered assertion (groups changed after the IdP signed) is refused', async () => {
  const browser = new Browser()
  const { acs, fields } = await signInAtIdp(browser)
  const xml = Buffer.from(fields.SAMLResponse ?? '', 'base64').toString('utf8')
  assert.ok(xml.includes('idp-unmapped'))
  const forged = xml.replace('idp-unmapped', 'idp-dbas-x')
  const logged = logLines.length
  const response = await postToAcs(browser, acs, {
    ...fields,
    SAMLResponse: Buffer.from(forged.replace('>idp-dbas-x<', '>idp-dbas<')).toString('base64'),
  })
  assert.match(response.body, /signin\?error=/)
  assert.match(refusalDetail(logged), /signature/i)
  assert.match(decodeURIComponent(response.body), /did not check out/)
  assert.equal((await sessionOf(browser)).status, 401)
})

test('an assertion for another audience is refused', async (t) => {
  // The IdP knows a second service provider with our key and ACS; our AuthnRequest, re-issued under that
  // provider's name (HTTP-Redirect signatures are over the query string: re-signed with the SP key), makes
  // the real IdP sign an assertion for our request and our ACS, but for the other audience.
  const other = 'https://another-service.example/sp'
  await idp.setSp({ ...registration(), entityId: other })
  t.after(() => idp.setSp(registration(), registration('strict')))
  const browser = new Browser()
  const { acs, fields } = await signInAtIdp(browser, (url) =>
    reissue(url, (xml) => xml.replace(/(<saml:Issuer[^>]*>)[^<]*(<\/saml:Issuer>)/, `$1${other}$2`)),
  )
  const xml = Buffer.from(fields.SAMLResponse ?? '', 'base64').toString('utf8')
  assert.match(xml, /<saml:Audience>https:\/\/another-service\.example\/sp<\/saml:Audience>/)
  const logged = logLines.length
  const response = await postToAcs(browser, acs, fields)
  assert.match(response.body, /signin\?error=/)
  assert.match(refusalDetail(logged), /audience/i)
  assert.equal((await sessionOf(browser)).status, 401)
})

test('an assertion addressed to another ACS (Recipient) is refused', async (t) => {
  const elsewhere = `${apiUrl}/auth/saml/corp/acs-elsewhere`
  await idp.setSp({ ...registration(), acsUrl: elsewhere })
  t.after(() => idp.setSp(registration(), registration('strict')))
  const browser = new Browser()
  const { acs, fields } = await signInAtIdp(browser, (url) =>
    reissue(url, (xml) =>
      xml.replace(/AssertionConsumerServiceURL="[^"]*"/, `AssertionConsumerServiceURL="${elsewhere}"`),
    ),
  )
  assert.equal(acs, elsewhere)
  const logged = logLines.length
  const response = await postToAcs(browser, `${apiUrl}/auth/saml/corp/acs`, fields)
  assert.match(response.body, /signin\?error=/)
  assert.match(refusalDetail(logged), /recipients/)
  assert.equal((await sessionOf(browser)).status, 401)
})

test('a second SAML provider at the same time: IdP groups used as they are without a groupMap', async () => {
  await idp.setSp(registration(), registration('strict'))
  const browser = new Browser()
  const { acs, fields } = await signInAtIdp(browser, undefined, 'strict')
  assert.equal(acs, `${apiUrl}/auth/saml/strict/acs`)
  assert.equal((await postToAcs(browser, acs, fields)).response.status, 200)
  const session = await sessionOf(browser)
  assert.equal(session.body.principal.id, `saml:strict:${user.username}`)
  assert.deepEqual([...session.body.principal.groups].sort(), ['idp-dbas', 'idp-staff', 'idp-unmapped'])
})

test('an expired assertion (past its NotOnOrAfter) is refused', async (t) => {
  await idp.setSp(registration(), { ...registration('strict'), assertionLifetimeSeconds: 1 })
  t.after(() => idp.setSp(registration(), registration('strict')))
  const browser = new Browser()
  const { acs, fields } = await signInAtIdp(browser, undefined, 'strict')
  const xml = Buffer.from(fields.SAMLResponse ?? '', 'base64').toString('utf8')
  const notOnOrAfter = Date.parse(/<saml:Conditions[^>]*NotOnOrAfter="([^"]+)"/.exec(xml)?.[1] ?? '')
  assert.ok(Number.isFinite(notOnOrAfter))
  // Past the assertion's own deadline (strict allows no clock skew); a generous margin, not a timing bound.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, notOnOrAfter - Date.now()) + 1500))
  const logged = logLines.length
  const response = await postToAcs(browser, acs, fields)
  assert.match(response.body, /signin\?error=/)
  // node-saml checks SubjectConfirmationData's NotOnOrAfter first and reports it as no valid confirmation.
  assert.match(refusalDetail(logged), /expired|no valid subject confirmation/i)
  assert.equal((await sessionOf(browser)).status, 401)
})

test('a transient NameID (a new principal at every sign-in) is refused with what the IdP must send', async (t) => {
  await idp.setSp({ ...registration(), transientNameId: true }, registration('strict'))
  t.after(() => idp.setSp(registration(), registration('strict')))
  const browser = new Browser()
  const { acs, fields } = await signInAtIdp(browser)
  assert.match(Buffer.from(fields.SAMLResponse ?? '', 'base64').toString('utf8'), /nameid-format:transient/)
  const response = await postToAcs(browser, acs, fields)
  assert.match(decodeURIComponent(response.body), /transient NameID/)
  assert.equal((await sessionOf(browser)).status, 401)
})

test('a response posted without the browser binding of the sign-in is refused (login CSRF)', async () => {
  const browser = new Browser()
  const { acs, fields } = await signInAtIdp(browser)
  const victim = new Browser()
  const response = await postToAcs(victim, acs, fields)
  assert.match(decodeURIComponent(response.body), /started in another browser/)
  assert.equal(victim.cookies.get('tg_session') ?? '', '')
})

test('an unauthenticated POST of pairs without `=` costs the sign-in endpoint linear time', async () => {
  // URLSearchParams alone looks for each pair's `=` to the end of the body: 256 KiB of `a&` cost ~0.16 s of
  // CPU a request before anyone was authenticated (session 11's review). A catastrophe bound, not a speed claim.
  const body = 'a&'.repeat(128 * 1024)
  const before = process.cpuUsage()
  for (let i = 0; i < 20; i++) {
    const response = await fetch(`${apiUrl}/auth/saml/corp/acs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      redirect: 'manual',
    })
    assert.ok(response.status < 500, `status ${response.status}`)
    await response.arrayBuffer()
  }
  const cpu = process.cpuUsage(before)
  const seconds = (cpu.user + cpu.system) / 1e6
  assert.ok(seconds < 1.5, `${seconds.toFixed(2)} s of CPU for 20 such requests`)
})

// Console sign-in in a real browser: the local admin key, the company IdP (authorization code + PKCE
// against the test oidc-provider, tokens kept server-side; SAML against simplesamlphp), sign-out, and the
// admin's key rotation.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, test } from 'node:test'
import {
  api,
  buildConsole,
  freePort,
  launchBrowser,
  screenshot,
  signInWithKey,
  startConsoleGateway,
} from '../../support/console.ts'
import { startOidcProvider } from '../../support/start-oidc.ts'
import { makeKeyPair, startSimpleSamlPhp } from '../../support/start-simplesamlphp.ts'

before(() => buildConsole())

test('admin key: wrong key is refused, right key signs in, the cookie is HttpOnly + Strict, reload keeps it, sign out ends it', async () => {
  await using gw = await startConsoleGateway()
  await using browser = await launchBrowser()
  const { page } = browser
  await page.goto(gw.url)
  await page.getByRole('heading', { name: 'Sign in to taskgate' }).waitFor()
  await screenshot(page, 'sign-in')

  await page.getByLabel('Admin key').fill('tg_not-a-key')
  await page.getByRole('button', { name: 'Sign in with key' }).click()
  await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor()

  await signInWithKey(page, gw.url, gw.adminKey)
  await page.getByRole('heading', { name: 'Approvals' }).waitFor()
  const cookies = await browser.context.cookies()
  const session = cookies.find((c) => c.name === 'tg_session')
  assert.ok(session, 'a session cookie is set')
  assert.equal(session.httpOnly, true)
  assert.equal(session.sameSite, 'Strict')
  assert.ok(!session.value.includes(gw.adminKey.slice(-12)), 'the cookie is a random id, not the key')
  // The key never reaches script-visible storage.
  const visible = String(
    await page.evaluate('document.cookie + JSON.stringify(localStorage) + JSON.stringify(sessionStorage)'),
  )
  assert.ok(!visible.includes(gw.adminKey))

  await page.reload()
  await page.getByRole('navigation', { name: 'Main' }).waitFor()
  await page.getByRole('button', { name: 'Sign out' }).click()
  await page.getByRole('heading', { name: 'Sign in to taskgate' }).waitFor()
  const status = await page.evaluate(async () => (await fetch('/v1/whoami')).status)
  assert.equal(status, 401)
})

test('Account: an admin rotates an agent key; the old key stops working and the new one is shown once', async () => {
  await using gw = await startConsoleGateway()
  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)
  await page.getByRole('link', { name: 'Account' }).click()
  const bot = (await api<{ name: string }>(gw.url, gw.agentKey, 'GET', '/v1/whoami')).name
  page.once('dialog', (dialog) => void dialog.accept())
  await page.getByRole('button', { name: `Rotate key of ${bot}` }).click()
  const key = (await page.locator('pre.secret').textContent())?.trim() ?? ''
  assert.match(key, /^tgk_/)
  await screenshot(page, 'account')
  await assert.rejects(api(gw.url, gw.agentKey, 'GET', '/v1/whoami'), /401/)
  assert.equal((await api<{ name: string }>(gw.url, key, 'GET', '/v1/whoami')).name, bot)
})

test('OIDC: authorization code + PKCE with the IdP; the console acts as the person, tokens stay server-side', async () => {
  const port = await freePort()
  await using idp = await startOidcProvider({
    users: { alice: { email: 'alice@example.com', groups: ['console-dbas'] } },
    webClients: [{ clientId: 'taskgate-console', redirectUris: [`http://127.0.0.1:${port}/auth/callback`] }],
  })
  await using gw = await startConsoleGateway({
    apiPort: port,
    identity: `identity:
  oidc:
    issuer: ${idp.issuer}
    audience: ${idp.audience}
    clientId: ${idp.clientId}
    consoleClientId: taskgate-console
    allowInsecureHttp: true`,
  })
  await using browser = await launchBrowser()
  const { page } = browser
  await page.goto(`${gw.url}/sessions`)
  await page.getByRole('link', { name: 'Sign in with your identity provider' }).click()
  // The IdP's page: the person signs in there, never on the console.
  await page.waitForURL(`${idp.url}/**`)
  await page.getByLabel('User').fill('alice')
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.waitForURL(`${gw.url}/sessions`)
  await page.getByRole('heading', { name: 'Sessions' }).waitFor()
  await page.getByRole('link', { name: 'Account' }).click()
  await page.getByText('alice@example.com').first().waitFor()
  const me = (await page.evaluate(async () => (await fetch('/v1/whoami')).json())) as {
    via: string
    groups: string[]
  }
  assert.equal(me.via, 'oidc')
  assert.deepEqual(me.groups, ['console-dbas'])
  // Cookies are per host, not per port: the IdP's own (_session, _interaction) sit beside ours.
  const cookies = await browser.context.cookies()
  assert.deepEqual(
    cookies
      .map((c) => c.name)
      .filter((name) => name.startsWith('tg_'))
      .sort(),
    ['tg_session'],
    'only the session id: no tokens, and the login binding was cleared',
  )

  // A callback replayed in another browser (or after use) is refused.
  await using other = await launchBrowser()
  await other.page.goto(`${gw.url}/auth/callback?code=stolen&state=unknown`)
  await other.page.getByRole('alert').filter({ hasText: 'sign in again' }).waitFor()
})

test('SAML: sign in through the IdP in a real browser, groups mapped; the account page mints a CLI token', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tg-console-saml-'))
  try {
    const sp = await makeKeyPair(dir, 'sp')
    const idpSigning = await makeKeyPair(dir, 'idp')
    const tokenKeyFile = join(dir, 'token.key')
    await writeFile(tokenKeyFile, randomBytes(36).toString('base64'))
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    await using idp = await startSimpleSamlPhp(
      [
        {
          username: 'carol',
          password: 'carol-pw',
          attributes: { uid: ['carol'], email: ['carol@example.com'], groups: ['idp-dbas', 'idp-other'] },
        },
      ],
      {
        entityId: `${base}/auth/saml/corp/metadata`,
        acsUrl: `${base}/auth/saml/corp/acs`,
        certPem: await readFile(sp.certFile, 'utf8'),
      },
      { signing: idpSigning },
    )
    await using gw = await startConsoleGateway({
      apiPort: port,
      identity: `identity:
  tokenSigningKey: { file: ${tokenKeyFile} }
  providers:
    - kind: saml
      id: corp
      label: Corp SSO
      entryPoint: ${idp.ssoUrl}
      idpIssuer: ${idp.entityId}
      idpCertFile: ${idpSigning.certFile}
      spPrivateKey: { file: ${sp.keyFile} }
      spCertFile: ${sp.certFile}
      groupMap: { idp-dbas: [console-dbas] }`,
    })
    await using browser = await launchBrowser()
    const { page } = browser
    await page.goto(`${gw.url}/sessions`)
    await page.getByRole('link', { name: 'Sign in with Corp SSO' }).click()
    await page.waitForURL(`${idp.url}/**`)
    await page.locator('input[name="username"]').fill('carol')
    await page.locator('input[name="password"]').fill('carol-pw')
    await page.locator('button[type="submit"], input[type="submit"]').first().click()
    // The IdP's page posts the response to the ACS by itself; the console then continues where it started.
    await page.waitForURL(`${gw.url}/sessions`)
    await page.getByRole('heading', { name: 'Sessions' }).waitFor()
    const me = (await page.evaluate(async () => (await fetch('/v1/whoami')).json())) as {
      id: string
      via: string
      groups: string[]
    }
    assert.equal(me.id, 'saml:corp:carol')
    assert.equal(me.via, 'saml')
    assert.deepEqual(me.groups, ['console-dbas'])

    await page.getByRole('link', { name: 'Account' }).click()
    await page.getByRole('button', { name: 'Get a CLI token (1 hour)' }).click()
    const shown = (await page.locator('pre.secret').textContent())?.trim() ?? ''
    const token = /^export TASKGATE_TOKEN=(tgt_\S+)$/.exec(shown)?.[1]
    assert.ok(token, `the page shows the export line (${shown.slice(0, 30)}…)`)
    assert.equal((await api<{ id: string }>(gw.url, token, 'GET', '/v1/whoami')).id, 'saml:corp:carol')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

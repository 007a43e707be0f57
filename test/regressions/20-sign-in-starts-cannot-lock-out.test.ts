// Outside review, session 7: starting a console sign-in (GET /auth/login, /auth/saml/<id>/login) needs no
// credentials and stored a pending sign-in for 10 minutes, refused past 10,000 of them: anyone could send
// 10,000 GETs (17 a second) and keep every person, approvers included, from signing in to the console. A
// sign-in in flight now lives in its browser's binding cookie (sealed with a secret only that cookie holds);
// the store is written only once an IdP answered (the SAML response, checked, is remembered as used).
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import pino from 'pino'
import { createApiServer } from '../../src/api/index.ts'
import { parseConfigText } from '../../src/config/load.ts'
import { openEmbeddedCore } from '../support/embedded-core.ts'
import { startOidcProvider } from '../support/start-oidc.ts'
import { makeKeyPair } from '../support/start-simplesamlphp.ts'

const STARTS = 10_050

test('ten thousand sign-ins started by a stranger do not keep anyone from signing in', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tg-signin-flood-'))
  try {
    await using idp = await startOidcProvider({
      users: { alice: { email: 'alice@example.com', groups: ['x'] } },
      webClients: [{ clientId: 'taskgate-console', redirectUris: ['http://127.0.0.1:1/auth/callback'] }],
    })
    const sp = await makeKeyPair(dir, 'sp')
    const idpKeys = await makeKeyPair(dir, 'idp')
    const config = parseConfigText(
      `
identity:
  tokenSigningKey: { env: TG_TEST_UNUSED }
  oidc: { issuer: "${idp.issuer}", audience: "${idp.audience}", clientId: ${idp.clientId}, consoleClientId: taskgate-console, allowInsecureHttp: true }
  providers:
    - kind: saml
      id: corp
      entryPoint: http://127.0.0.1:1/sso
      idpIssuer: http://127.0.0.1:1/idp
      idpCertFile: ${idpKeys.certFile}
      spPrivateKey: { file: ${sp.keyFile} }
      spCertFile: ${sp.certFile}
resources:
  - id: shop-db
    kind: postgres
    listen: { port: 0 }
    target: { host: 127.0.0.1, database: shop, user: app }
`,
      'flood.yaml',
    )
    const tokenKey = `test-token-key-${Math.random().toString(36).slice(2)}-0123456789abcdefghijklmnop`
    await using embedded = await openEmbeddedCore(config, { gatewayTokenKey: tokenKey })
    const { readFile } = await import('node:fs/promises')
    const api = createApiServer({
      core: embedded.core,
      logger: pino({ level: 'silent' }),
      listen: { host: '127.0.0.1', port: 0 },
      identitySecrets: {
        tokenSigningKey: tokenKey,
        samlPrivateKeys: new Map([['corp', await readFile(sp.keyFile, 'utf8')]]),
      },
    })
    const url = (await api.listen()).url
    try {
      const start = async (path: string) => {
        const res = await fetch(`${url}${path}`, { redirect: 'manual' })
        await res.body?.cancel()
        return res.status
      }
      for (const path of ['/auth/login', '/auth/saml/corp/login']) {
        let next = 0
        const worker = async () => {
          while (next < STARTS) {
            next++
            await start(path)
          }
        }
        await Promise.all(Array.from({ length: 32 }, worker))
        // A person arriving now still gets to the IdP.
        assert.equal(await start(`${path}?returnTo=/approvals`), 302, `${path} still starts a sign-in`)
      }
    } finally {
      await api.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

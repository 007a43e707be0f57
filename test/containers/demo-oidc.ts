// The compose quick start's test identity provider (docker-compose.yml, service `oidc`): the same
// oidc-provider setup the tests use (test/support/start-oidc.ts), on a fixed port, with two demo people.
// It shares the gateway container's network namespace, so the issuer http://127.0.0.1:9400 is the same URL
// for the gateway inside and for `taskgate login` and the browser on the host. A demo, never an IdP to trust.
import { startOidcProvider } from '../support/start-oidc.ts'

const port = Number(process.env.DEMO_OIDC_PORT ?? 9400)
const idp = await startOidcProvider({
  listen: { host: '0.0.0.0', port },
  audience: process.env.DEMO_OIDC_AUDIENCE ?? 'taskgate-demo',
  users: {
    alice: { email: 'alice@example.com', groups: ['dbas'] },
    bob: { email: 'bob@example.com', groups: ['agents'] },
  },
  webClients: [{ clientId: 'taskgate-console', redirectUris: ['http://127.0.0.1:8470/auth/callback'] }],
  accessTokenTtlSeconds: 3600,
})
process.stdout.write(
  `demo IdP: issuer ${idp.issuer}, audience ${idp.audience}, users alice (dbas), bob (agents)\n`,
)
const stop = async () => {
  await idp[Symbol.asyncDispose]()
  process.exit(0)
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)

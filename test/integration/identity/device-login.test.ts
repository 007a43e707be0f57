// `taskgate login` end to end: the real device flow (openid-client 6) against a real IdP (oidc-provider 9);
// the test plays the person at the browser. Then the stored token verifies and refreshes.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadStoredToken, loginCommand } from '../../../src/cli/commands/login.ts'
import { credentialsPath, type StoredCredentials } from '../../../src/cli/token-store.ts'
import { ManualClock } from '../../../src/core/clock.ts'
import { TaskgateError } from '../../../src/core/errors.ts'
import { createOidcVerifier } from '../../../src/core/identity/oidc.ts'
import { startOidcProvider, type TestOidcProvider } from '../../support/start-oidc.ts'

const suffix = randomBytes(3).toString('hex')
const alice = `alice-${suffix}`
const users = { [alice]: { email: `${alice}@example.test`, groups: ['devs'] } }

async function tempConfigHome() {
  const path = await mkdtemp(join(tmpdir(), 'taskgate-login-'))
  return {
    env: { XDG_CONFIG_HOME: path },
    [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }),
  }
}

/** An io whose stderr the test can wait on, as a person waits for the code to appear. */
function capturingIo(env: NodeJS.ProcessEnv) {
  let out = ''
  let err = ''
  const waiters = new Set<() => void>()
  const notify = () => {
    for (const wake of waiters) wake()
  }
  return {
    io: {
      env,
      stdout: {
        write(text: string) {
          out += text
          notify()
        },
      },
      stderr: {
        write(text: string) {
          err += text
          notify()
        },
      },
    },
    out: () => out,
    err: () => err,
    async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const match = pattern.exec(err)
        if (match) return match[1] ?? match[0]
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; stderr: ${err}`)
        await new Promise<void>((resolve) => {
          waiters.add(resolve)
          setTimeout(resolve, 200)
        })
      }
    },
  }
}

function verifierFor(idp: TestOidcProvider) {
  return createOidcVerifier(
    {
      issuer: idp.issuer,
      audience: idp.audience,
      groupsClaim: 'groups',
      clockToleranceSeconds: 30,
      allowInsecureHttp: true,
    },
    new ManualClock(new Date()),
  )
}

async function login(idp: TestOidcProvider, args: string[], env: NodeJS.ProcessEnv) {
  const capture = capturingIo(env)
  const exit = loginCommand(args, capture.io)
  const userCode = await capture.waitFor(/enter the code (\S+)/)
  await idp.approveDevice(userCode, alice)
  assert.equal(await exit, 0, capture.err())
  return capture
}

test('device flow login stores tokens 0600 that verify, and refreshes them when expired', async () => {
  await using idp = await startOidcProvider({ users })
  await using home = await tempConfigHome()
  const capture = await login(
    idp,
    ['--issuer', idp.issuer, '--client-id', idp.clientId, '--audience', idp.audience],
    home.env,
  )
  assert.match(capture.out(), new RegExp(`Logged in to .* as ${alice}@example.test`))

  const path = credentialsPath(home.env)
  assert.equal((await stat(path)).mode & 0o777, 0o600)
  assert.equal((await stat(join(path, '..'))).mode & 0o777, 0o700)
  const stored = JSON.parse(await readFile(path, 'utf8')) as StoredCredentials
  assert.ok(stored.refreshToken && stored.idToken, 'refresh and ID token stored')
  assert.equal(stored.issuer, idp.issuer)
  assert.ok(Date.parse(stored.expiresAt) > Date.now())

  const verifier = verifierFor(idp)
  const principal = await verifier.verify(stored.accessToken)
  assert.equal(principal.id, `oidc:${alice}`)
  assert.deepEqual(principal.groups, ['devs'])

  assert.equal(await loadStoredToken({ env: home.env }), stored.accessToken, 'a current token is used as is')

  const later = () => new Date(Date.parse(stored.expiresAt) + 1_000)
  const refreshed = await loadStoredToken({ env: home.env, now: later })
  assert.notEqual(refreshed, stored.accessToken)
  assert.equal((await verifier.verify(refreshed)).id, `oidc:${alice}`)
  const restored = JSON.parse(await readFile(path, 'utf8')) as StoredCredentials
  assert.equal(restored.accessToken, refreshed)
  assert.ok(Date.parse(restored.expiresAt) > Date.parse(later().toISOString()))
  assert.equal((await stat(path)).mode & 0o777, 0o600)
})

test('settings come from the gateway; flags win over it', async () => {
  await using idp = await startOidcProvider({ users })
  await using home = await tempConfigHome()
  // Stands in for the gateway's public GET /v1/auth/oidc (src/api/routes/auth.ts), which needs a whole core.
  const gateway = createServer((req, res) => {
    if (req.url !== '/v1/auth/oidc') return void res.writeHead(404).end()
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ issuer: idp.issuer, clientId: 'not-the-cli-client', audience: idp.audience }))
  })
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve))
  await using _ = {
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => gateway.close(() => resolve())),
  }
  const api = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`

  await login(idp, ['--api', api, '--client-id', idp.clientId], home.env)
  const stored = JSON.parse(await readFile(credentialsPath(home.env), 'utf8')) as StoredCredentials
  assert.equal(stored.clientId, idp.clientId)
  assert.equal(stored.audience, idp.audience)
  assert.equal((await verifierFor(idp).verify(stored.accessToken)).id, `oidc:${alice}`)
})

test('without a login, or with a dead refresh token, loadStoredToken says to log in', async () => {
  await using idp = await startOidcProvider({ users })
  await using home = await tempConfigHome()
  await assert.rejects(
    loadStoredToken({ env: home.env }),
    (e: unknown) => (e as TaskgateError).code === 'TG_AUTH_MISSING',
  )

  await login(
    idp,
    ['--issuer', idp.issuer, '--client-id', idp.clientId, '--audience', idp.audience],
    home.env,
  )
  const path = credentialsPath(home.env)
  const stored = JSON.parse(await readFile(path, 'utf8')) as StoredCredentials
  await writeFile(path, JSON.stringify({ ...stored, refreshToken: 'revoked-or-made-up' }))
  const later = () => new Date(Date.parse(stored.expiresAt) + 1_000)
  await assert.rejects(loadStoredToken({ env: home.env, now: later }), (e: unknown) => {
    assert.ok(e instanceof TaskgateError)
    assert.equal(e.code, 'TG_LOGIN_EXPIRED')
    assert.match(e.clientMessage, /taskgate login/)
    return true
  })
})

test('an unknown flag prints usage and exits 2', async () => {
  const capture = capturingIo({})
  assert.equal(await loginCommand(['--nope'], capture.io), 2)
  assert.match(capture.err(), /Usage: taskgate login/)
})

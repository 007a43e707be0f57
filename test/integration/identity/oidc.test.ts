// createOidcVerifier against a real OIDC provider (oidc-provider 9): real device-flow and client-credentials
// tokens; crafted tokens only where an attacker would craft them (alg none, HS256, a foreign key).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { base64url, decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, SignJWT } from 'jose'
import { ManualClock } from '../../../src/core/clock.ts'
import { TaskgateError } from '../../../src/core/errors.ts'
import { createOidcVerifier, type OidcVerifierOptions } from '../../../src/core/identity/oidc.ts'
import { startOidcProvider, type TestOidcProvider } from '../../support/start-oidc.ts'

const suffix = randomBytes(3).toString('hex')
const alice = `alice-${suffix}`
const agent = {
  clientId: `agent-${suffix}`,
  clientSecret: randomBytes(16).toString('hex'),
  groups: ['agents'],
}
let idp: TestOidcProvider

before(async () => {
  idp = await startOidcProvider({
    users: { [alice]: { email: `${alice}@example.test`, groups: ['billing-readers', 'devs'] } },
    clients: [agent],
  })
})
after(() => idp[Symbol.asyncDispose]())

function verifierFor(
  provider: TestOidcProvider,
  clock = new ManualClock(new Date()),
  extra: Partial<OidcVerifierOptions> = {},
) {
  const options = {
    issuer: provider.issuer,
    audience: provider.audience,
    groupsClaim: 'groups',
    clockToleranceSeconds: 30,
    allowInsecureHttp: true,
    ...extra,
  }
  return createOidcVerifier(options, clock)
}

/** Asserts a TG_TOKEN_INVALID whose client message matches `message`. */
async function rejects(promise: Promise<unknown>, message: RegExp, code = 'TG_TOKEN_INVALID') {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TaskgateError, `not a TaskgateError: ${String(error)}`)
    assert.equal(error.code, code)
    assert.match(error.clientMessage, message)
    return true
  })
}

const claimsOf = (token: string) => decodeJwt(token) as Record<string, unknown>

describe('tokens the IdP issued', () => {
  test('a person: id from sub, name from email, groups from the claim', async () => {
    const principal = await verifierFor(idp).verify(await idp.token(alice))
    assert.deepEqual(principal, {
      id: `oidc:${alice}`,
      kind: 'person',
      name: `${alice}@example.test`,
      groups: ['billing-readers', 'devs'],
      via: 'oidc',
    })
  })

  test('an agent through client credentials', async () => {
    const token = await idp.clientCredentialsToken(agent.clientId, agent.clientSecret)
    const principal = await verifierFor(idp).verify(token)
    assert.deepEqual(principal, {
      id: `oidc:${agent.clientId}`,
      kind: 'agent',
      name: agent.clientId,
      groups: ['agents'],
      via: 'oidc',
    })
  })
})

describe('rejections name their reason', () => {
  test('alg none', async () => {
    const [, payload] = (await idp.token(alice)).split('.')
    const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${payload}.`
    await rejects(verifierFor(idp).verify(unsigned), /algorithm is not allowed/)
  })

  test('HS256, even with a valid-looking payload', async () => {
    const claims = claimsOf(await idp.token(alice))
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid: idp.currentKid() })
      .sign(new TextEncoder().encode('a-shared-secret-of-thirty-two-b'))
    await rejects(verifierFor(idp).verify(hs), /algorithm is not allowed/)
  })

  test('a token for another resource (wrong audience)', async () => {
    const token = await idp.token(alice, { resource: idp.otherAudience })
    assert.equal(claimsOf(token).aud, idp.otherAudience)
    await rejects(verifierFor(idp).verify(token), /another audience/)
  })

  test('expired: the clock moves past exp plus tolerance', async () => {
    const clock = new ManualClock(new Date())
    const verifier = verifierFor(idp, clock)
    const token = await idp.token(alice)
    await verifier.verify(token)
    clock.advance((300 + 31) * 1000)
    await rejects(verifier.verify(token), /has expired/)
  })

  test('issued in the future (iat beyond tolerance)', async () => {
    const clock = new ManualClock(new Date(Date.now() - 10 * 60_000))
    await rejects(verifierFor(idp, clock).verify(await idp.token(alice)), /issued in the future/)
  })

  test('not valid yet (nbf beyond tolerance), signed with the IdP key itself', async () => {
    const [signingJwk] = idp.signingKeys()
    const key = await importJWK(signingJwk!, 'RS256')
    const nowSeconds = Math.floor(Date.now() / 1000)
    const token = await new SignJWT({ sub: alice, groups: [] })
      .setProtectedHeader({ alg: 'RS256', kid: idp.currentKid() })
      .setIssuer(idp.issuer)
      .setAudience(idp.audience)
      .setIssuedAt(nowSeconds)
      .setNotBefore(nowSeconds + 600)
      .setExpirationTime(nowSeconds + 900)
      .sign(key)
    await rejects(verifierFor(idp).verify(token), /not valid yet/)
  })

  test('signed by a foreign key that claims the IdP kid', async () => {
    const { privateKey } = await generateKeyPair('RS256')
    const claims = claimsOf(await idp.token(alice))
    const forged = await new SignJWT({ ...claims, groups: ['taskgate-admins'] })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: idp.currentKid() })
      .sign(privateKey)
    await rejects(verifierFor(idp).verify(forged), /signature does not verify/)
  })

  test('a key id the IdP does not publish', async () => {
    const { privateKey } = await generateKeyPair('ES256')
    const claims = claimsOf(await idp.token(alice))
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'nope' })
      .sign(privateKey)
    await rejects(
      verifierFor(idp, undefined, { jwksCooldownMs: 0 }).verify(forged),
      /key the IdP does not publish/,
    )
  })

  test('another issuer signing with the same key', async () => {
    await using twin = await startOidcProvider({
      users: { [alice]: { groups: [] } },
      signingKeys: idp.signingKeys(),
      audience: idp.audience,
    })
    const token = await twin.token(alice)
    assert.equal(decodeProtectedHeader(token).kid, idp.currentKid())
    await rejects(verifierFor(idp).verify(token), /another issuer/)
  })

  test('garbage', async () => {
    const verifier = verifierFor(idp)
    for (const garbage of ['', 'not a token', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9.e30', '....']) {
      await rejects(verifier.verify(garbage), /malformed/)
    }
  })
})

describe('keys and availability', () => {
  test('after key rotation a token signed with the new key verifies (JWKS refetched on unknown kid)', async () => {
    await using rotating = await startOidcProvider({ users: { [alice]: { groups: ['devs'] } } })
    const verifier = verifierFor(rotating, undefined, { jwksCooldownMs: 0 })
    const before = await rotating.token(alice)
    await verifier.verify(before)
    const oldKid = rotating.currentKid()
    await rotating.rotateKeys()
    const after = await rotating.token(alice)
    assert.notEqual(decodeProtectedHeader(after).kid, oldKid)
    assert.equal(decodeProtectedHeader(after).kid, rotating.currentKid())
    assert.equal((await verifier.verify(after)).id, `oidc:${alice}`)
    assert.equal((await verifier.verify(before)).id, `oidc:${alice}`, 'the old key stays published')
  })

  test('an unreachable IdP is TG_IDP_UNAVAILABLE; discovery is retried after a backoff', async () => {
    const clock = new ManualClock(new Date())
    let calls = 0
    // A fault no running IdP shows on demand: the first discovery request fails at the network level.
    const flaky: typeof fetch = async (input, init) => {
      calls++
      if (calls === 1) throw new TypeError('fetch failed')
      return fetch(input, init)
    }
    const verifier = verifierFor(idp, clock, { fetch: flaky })
    const token = await idp.token(alice)
    await rejects(verifier.verify(token), /cannot be reached/, 'TG_IDP_UNAVAILABLE')
    await rejects(verifier.verify(token), /cannot be reached/, 'TG_IDP_UNAVAILABLE')
    assert.equal(calls, 1, 'no new request during the backoff')
    clock.advance(1_000)
    assert.equal((await verifier.verify(token)).id, `oidc:${alice}`)
  })

  test('a closed port is TG_IDP_UNAVAILABLE, not a token error', async () => {
    const closed = await startOidcProvider()
    const issuer = closed.issuer
    await closed[Symbol.asyncDispose]()
    const verifier = createOidcVerifier(
      { issuer, audience: 'x', groupsClaim: 'groups', clockToleranceSeconds: 0, allowInsecureHttp: true },
      new ManualClock(new Date()),
    )
    await rejects(verifier.verify(await idp.token(alice)), /cannot be reached/, 'TG_IDP_UNAVAILABLE')
  })

  test('an http issuer without allowInsecureHttp is a configuration error', () => {
    assert.throws(
      () => verifierFor(idp, undefined, { allowInsecureHttp: false }),
      (error: unknown) => error instanceof TaskgateError && error.code === 'TG_CONFIG_INVALID',
    )
  })
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SignJWT } from 'jose'
import { mintGatewayToken, verifyGatewayToken } from './gateway-token.ts'
import type { Principal } from './principal.ts'

const key = 'k'.repeat(40)
const alice: Principal = {
  id: 'saml:corp:alice',
  kind: 'person',
  name: 'alice@example.com',
  groups: ['dbas'],
  via: 'saml',
}
const now = new Date('2026-06-01T12:00:00Z')

test('a minted token names the principal until it expires, and only under its key', async () => {
  const token = await mintGatewayToken(key, alice, 3600, now)
  assert.match(token, /^tgt_/)
  assert.deepEqual(await verifyGatewayToken(key, token, now), alice)
  await assert.rejects(verifyGatewayToken(key, token, new Date(now.getTime() + 3601_000)), /has expired/)
  await assert.rejects(verifyGatewayToken('x'.repeat(40), token, now), { code: 'TG_AUTH_INVALID' })
})

test('a token under the key naming anything but a SAML principal is refused (no admin or service account)', async () => {
  const forged = await new SignJWT({ name: 'admin', groups: ['taskgate-admins'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('taskgate')
    .setAudience('taskgate-api')
    .setSubject('local:admin')
    .setExpirationTime(Math.floor(now.getTime() / 1000) + 60)
    .sign(new TextEncoder().encode(key))
  await assert.rejects(verifyGatewayToken(key, `tgt_${forged}`, now), { code: 'TG_AUTH_INVALID' })
})

test('a short key is a configuration error', async () => {
  await assert.rejects(mintGatewayToken('short', alice, 60, now), { code: 'TG_CONFIG_INVALID' })
})

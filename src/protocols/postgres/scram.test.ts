import assert from 'node:assert/strict'
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { postgresKind } from '../../kinds/postgres.ts'
import { parseScramVerifier, ScramClient, ScramError, ScramServer, type ScramVerifier } from './scram.ts'

function verifierFor(password: string): ScramVerifier {
  const salt = randomBytes(16)
  const salted = pbkdf2Sync(password, salt, 4096, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  return {
    iterations: 4096,
    salt: salt.toString('base64'),
    storedKey: createHash('sha256').update(clientKey).digest('base64'),
    serverKey: createHmac('sha256', salted).update('Server Key').digest('base64'),
  }
}

async function exchange(server: ScramServer, password: string): Promise<void> {
  const client = new ScramClient(password)
  const serverFirst = server.first(client.first())
  const serverFinal = server.final(await client.final(serverFirst))
  client.verify(serverFinal)
}

test('our client and server agree on the right password, both ways proven', async () => {
  await exchange(new ScramServer(verifierFor('s3cret')), 's3cret')
})

test('a wrong password fails with ScramError', async () => {
  await assert.rejects(exchange(new ScramServer(verifierFor('s3cret')), 'nope'), ScramError)
})

test('an unknown user fails the same way, after a full exchange', async () => {
  const server = new ScramServer(undefined)
  const client = new ScramClient('whatever')
  const first = server.first(client.first())
  assert.match(first, /^r=.+,s=.+,i=4096$/)
  assert.throws(() => server.final('c=biws,r=x,p=AAAA'), ScramError)
})

test('channel binding requests and malformed messages are refused', () => {
  assert.throws(() => new ScramServer(undefined).first('p=tls-server-end-point,,n=*,r=abc'), ScramError)
  assert.throws(() => new ScramServer(undefined).first('garbage'), ScramError)
})

test("the postgres kind's stored verifier (PostgreSQL's rolpassword form) checks a client's proof", async () => {
  const stored = postgresKind.credentialVerifiers!('s3cret').scramSha256
  assert.match(stored!, /^SCRAM-SHA-256\$4096:/)
  const verifier = parseScramVerifier(stored)
  assert.ok(verifier)
  await exchange(new ScramServer(verifier), 's3cret')
  await assert.rejects(exchange(new ScramServer(verifier), 'nope'), ScramError)
  for (const bad of [undefined, '', 'md5abc', `${stored}x`, stored!.replace('4096', '0')])
    assert.equal(parseScramVerifier(bad), undefined, bad)
})

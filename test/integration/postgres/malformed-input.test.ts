// Bad bytes from one client cost that connection only: garbage before startup and truncated or oversized
// packets are closed without a word (as PostgreSQL does), unknown message types and oversized messages
// after login get FATAL 08P01,
// while another client's session keeps working throughout.
import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

let gw: PostgresGateway
let bystander: pg.Client

before(async () => {
  gw = await startPostgresGateway({ server: { maxMessageBytes: 1024 * 1024, authTimeoutMs: 2000 } })
  const { credential } = await gw.grant('select:public.*')
  bystander = new pg.Client({ connectionString: gw.url(credential) })
  await bystander.connect()
})
after(async () => {
  await bystander.end()
  await gw[Symbol.asyncDispose]()
})

async function bystanderWorks(): Promise<void> {
  const r = await bystander.query('SELECT 40 + 2 AS v')
  assert.equal(r.rows[0].v, 42)
}

/** Sends raw bytes on a fresh connection; resolves with everything received until the gateway closes it. */
function raw(bytes: Buffer[], { endAfter = false } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: gw.host, port: gw.port }, async () => {
      for (const b of bytes) {
        socket.write(b)
        await sleep(5)
      }
      if (endAfter) socket.end()
    })
    const got: Buffer[] = []
    socket.on('data', (d) => got.push(d))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(got)))
    socket.setTimeout(5000, () => reject(new Error('gateway did not close the connection')))
  })
}

const sqlstate = (reply: Buffer) => /C([0-9A-Z]{5})\0/.exec(reply.toString('latin1'))?.[1]

test('garbage instead of a startup packet: closed without a word, as PostgreSQL does', async () => {
  const reply = await raw([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')])
  assert.equal(reply.length, 0)
  await bystanderWorks()
})

test('a truncated startup packet and a silent client are dropped', async () => {
  const partial = Buffer.alloc(8)
  partial.writeInt32BE(100, 0)
  partial.writeInt32BE(196608, 4)
  const reply = await raw([partial], { endAfter: true })
  assert.equal(reply.length === 0 || sqlstate(reply) === '08P01', true)
  const silent = await raw([partial]) // auth timeout closes it
  assert.ok(silent.length === 0 || silent[0] === 0x45)
  await bystanderWorks()
})

test('an unsupported protocol version: FATAL 08P01; an oversized startup packet: closed silently', async () => {
  const v2 = Buffer.alloc(8)
  v2.writeInt32BE(8, 0)
  v2.writeInt32BE(0x20000, 4)
  assert.equal(sqlstate(await raw([v2])), '08P01')
  // A length the server cannot accept is only logged by PostgreSQL: the connection closes unanswered.
  const huge = Buffer.alloc(8)
  huge.writeInt32BE(0x7fffffff, 0)
  huge.writeInt32BE(196608, 4)
  assert.equal((await raw([huge])).length, 0)
  await bystanderWorks()
})

/** A logged-in pg client whose socket we then write raw bytes to. */
async function loggedIn(): Promise<{ client: pg.Client; closed: Promise<Error & { code?: string }> }> {
  const { credential } = await gw.grant('select:public.*')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  // pg emits the FATAL, then "Connection terminated": keep listening so the second is not unhandled.
  const closed = new Promise<Error & { code?: string }>((resolve) => client.on('error', resolve))
  await client.connect()
  return { client, closed }
}

const streamOf = (client: pg.Client) =>
  (client as unknown as { connection: { stream: net.Socket } }).connection.stream

for (const [name, bytes] of [
  ['an unknown message type', Buffer.from([0x7a, 0, 0, 0, 4])],
  ['a length below 4', Buffer.from([0x51, 0, 0, 0, 2])],
  ['a message over the configured maximum', Buffer.from([0x51, 0x01, 0, 0, 0])],
  ['a message over 1 GiB', Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff])],
  ['a Query without its terminating zero', Buffer.from([0x51, 0, 0, 0, 7, 0x61, 0x62, 0x63])],
  ['a Bind with a truncated name', Buffer.from([0x42, 0, 0, 0, 6, 0x61, 0x62])],
  ['a password message after login', Buffer.from([0x70, 0, 0, 0, 5, 0])],
] as const) {
  test(`after login, ${name}: FATAL 08P01 for that client only`, async () => {
    const { closed, client } = await loggedIn()
    streamOf(client).write(bytes)
    const error = await closed
    assert.equal(error.code, '08P01', error.message)
    await bystanderWorks()
  })
}

test('a message cut off mid-way leaves the gateway waiting, and the client may then leave', async () => {
  const { client } = await loggedIn()
  streamOf(client).write(Buffer.from([0x51, 0, 0, 0, 100, 0x61]))
  await sleep(50)
  streamOf(client).destroy()
  await bystanderWorks()
})

// Issue 11, item 12: a Terminate (or any typed message) before the StartupMessage was answered with a FATAL
// 08P01, which node-postgres does not expect when it ends a connection it has just opened (its own
// quick-disconnect test). PostgreSQL closes such a connection without a word; so does the gateway.
import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway()
})
after(() => gw[Symbol.asyncDispose]())

/** Everything the server sends back to `bytes` on a fresh connection, until it closes. */
function reply(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write(bytes))
    const got: Buffer[] = []
    socket.on('data', (d) => got.push(d))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(got)))
    socket.setTimeout(10_000, () => reject(new Error('the connection was not closed')))
  })
}

test('a Terminate before the StartupMessage: closed silently, as PostgreSQL closes it', async () => {
  const terminate = Buffer.from([0x58, 0, 0, 0, 4])
  const direct = await reply(gw.db.port, terminate)
  assert.equal(direct.length, 0, 'PostgreSQL itself answers nothing')
  assert.equal((await reply(gw.port, terminate)).length, 0)
})

test('node-postgres: connect() then end() at once ends cleanly, with no error', async () => {
  const { credential } = await gw.grant('select:public.*')
  for (let i = 0; i < 5; i++) {
    const client = new pg.Client({ connectionString: gw.url(credential) })
    const errors: Error[] = []
    client.on('error', (error) => errors.push(error))
    // As node-postgres' own quick-disconnect test: the connect() promise is left alone (against
    // PostgreSQL directly it never settles either); what matters is that nothing is emitted as an error.
    client.connect().catch((error: Error) => errors.push(error))
    await client.end()
    await sleep(100)
    assert.deepEqual(
      errors.map((e) => e.message),
      [],
    )
  }
  // The gateway is still there for the next client.
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1)
  await client.end()
})

// Issue #10 item 11: what one client may ask of the gateway is bounded. A client stalling inside a large
// message held it for ever; one 5 MB statement blocked every session for 4.5 s while it was parsed; a
// query string could hold any number of statements. Now: a message must arrive whole within
// clients.incompleteMessageTimeout (FATAL 08P01), a statement text over clients.maxStatementBytes is refused
// before it is parsed and one with more than clients.maxStatementsPerQuery statements once classified
// (ERROR 54000, the session stays usable).
import assert from 'node:assert/strict'
import type net from 'node:net'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { probeEventLoopLag } from '../support/event-loop-lag.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    server: { incompleteMessageTimeoutMs: 1000, maxStatementsPerQuery: 100 },
  })
})
after(() => gw[Symbol.asyncDispose]())

async function connect(): Promise<pg.Client> {
  const { credential } = await gw.grant('select:public.*')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  return client
}

const streamOf = (client: pg.Client) =>
  (client as unknown as { connection: { stream: net.Socket } }).connection.stream

test('a client stalling inside a large message is closed with 08P01', async () => {
  const client = await connect()
  const closed = new Promise<Error & { code?: string }>((resolve) => client.on('error', resolve))
  const header = Buffer.alloc(5)
  header[0] = 0x51 // Query
  header.writeUInt32BE(60 * 1024 * 1024, 1)
  streamOf(client).write(Buffer.concat([header, Buffer.alloc(64 * 1024, 0x61)]))
  const error = await closed
  assert.equal(error.code, '08P01', error.message)
  assert.match(error.message, /did not arrive whole within 1 s/)
})

test('messages that keep arriving, each chunk ending inside one, are not mistaken for a stall', async () => {
  const client = await connect()
  try {
    // Flush messages (no response), written so every chunk stops two bytes into the next: the client is
    // inside a message at each pause, for three times the timeout in all, but never inside one for long.
    const stream = streamOf(client)
    stream.write(Buffer.from([0x48, 0, 0]))
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300))
      stream.write(Buffer.from([0, 4, 0x48, 0, 0]))
    }
    stream.write(Buffer.from([0, 4]))
    assert.equal((await client.query('select 1 as one')).rows[0]?.one, 1)
  } finally {
    await client.end()
  }
})

test('a statement text over maxStatementBytes is refused with 54000 before it is parsed', async () => {
  const client = await connect()
  try {
    const text = `select '${'a'.repeat(5 * 1024 * 1024)}'`
    const probe = probeEventLoopLag()
    const error = await client.query(text).catch((e: Error & { code?: string }) => e)
    const lagMs = probe.stop()
    assert.ok(error instanceof Error)
    assert.equal((error as { code?: string }).code, '54000', error.message)
    assert.match(error.message, /maxStatementBytes/)
    assert.ok(lagMs < 1500, `event loop blocked ${lagMs.toFixed(0)} ms`)
    assert.equal((await client.query('select 1 as one')).rows[0]?.one, 1, 'the session stays usable')
  } finally {
    await client.end()
  }
})

test('a query string of more statements than maxStatementsPerQuery is refused with 54000', async () => {
  const client = await connect()
  try {
    const error = await client.query('select 1;'.repeat(101)).catch((e: Error & { code?: string }) => e)
    assert.ok(error instanceof Error)
    assert.equal((error as { code?: string }).code, '54000', error.message)
    assert.match(error.message, /holds 101 statements/)
    const fine = (await client.query('select 1;'.repeat(100))) as unknown as pg.QueryResult[]
    assert.equal(fine.length, 100)
  } finally {
    await client.end()
  }
})

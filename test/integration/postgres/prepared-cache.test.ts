// The session's allow cache must never outlive what `EXECUTE name` means: a statement that needs an
// approval, prepared under a name an allowed statement used before, must not run on that old allow.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    setupSql: 'CREATE TABLE public.t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 1), (2, 2);',
    extraConfig: `guardrails:
  - { id: no-unbounded-write, action: approve, description: "needs a DBA", approvers: [dbas] }
`,
  })
})
after(() => gw[Symbol.asyncDispose]())

const query = (sql: string) => frame('Q', Buffer.from(`${sql}\0`))
const parse = (name: string, sql: string) => frame('P', Buffer.from(`${name}\0${sql}\0\0\0`))
const close = (name: string) => frame('C', Buffer.from(`S${name}\0`))
const SYNC = frame('S', Buffer.alloc(0))

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5)
  head.write(type)
  head.writeInt32BE(4 + body.length, 1)
  return Buffer.concat([head, body])
}

/** Speaks the protocol directly on an authenticated connection; returns what each step received. */
async function rawSession() {
  const { credential } = await gw.grant('*:*')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  client.on('error', () => {}) // the end of each test drops the connection under the client
  await client.connect()
  const stream = (client as unknown as { connection: { stream: import('node:net').Socket } }).connection
    .stream
  stream.removeAllListeners('data')
  let got = Buffer.alloc(0)
  stream.on('data', (d: Buffer) => {
    got = Buffer.concat([got, d])
  })
  return {
    async step(bytes: Buffer): Promise<string> {
      got = Buffer.alloc(0)
      stream.write(bytes)
      // Every step ends with ReadyForQuery ('Z', length 5).
      for (let i = 0; i < 100 && !got.includes(Buffer.from([0x5a, 0, 0, 0, 5])); i++) await sleep(20)
      return got.toString('latin1')
    },
    end: () => stream.destroy(),
  }
}

for (const [label, forget] of [
  ['Close', close('p')],
  ['DEALLOCATE', query('DEALLOCATE p')],
] as const) {
  test(`after ${label}, EXECUTE p of a held statement prepared under the same name is not allowed`, async () => {
    const session = await rawSession()
    try {
      await session.step(Buffer.concat([parse('p', 'SELECT 1'), SYNC]))
      assert.match(await session.step(query('EXECUTE p')), /SELECT 1/)
      await session.step(label === 'Close' ? Buffer.concat([forget, SYNC]) : forget)
      await session.step(Buffer.concat([parse('p', 'UPDATE t SET v = 0'), SYNC]))
      const executed = await session.step(query('EXECUTE p'))
      assert.doesNotMatch(executed, /UPDATE 2/)
      // p is now the held UPDATE (the server confirmed it): EXECUTE p waits for its own approval.
      assert.match(executed, /waiting for approval/)
      const { rows } = await gw.db.query('SELECT sum(v)::int AS s FROM t')
      assert.equal(rows[0].s, 3, 'the table was not changed')
    } finally {
      session.end()
    }
  })
}

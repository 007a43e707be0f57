// Outside review (session 7): a read-only grant's MySQL session starts upstream with SET SESSION TRANSACTION
// READ ONLY, the database's own check behind the gateway's. COM_RESET_CONNECTION (relayed: pools send it
// between borrowers) resets every session variable, so one packet turned the upstream session read-write
// for the rest of the connection (@@tx_read_only 1 -> 0). The gateway now sets READ ONLY again after a
// reset, before the next command, and reads sql_mode back as before.
import assert from 'node:assert/strict'
import type net from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type mysql from 'mysql2/promise'
import { type MysqlGateway, startMysqlGateway } from '../support/start-mysql-gateway.ts'

let g: MysqlGateway

before(async () => {
  g = await startMysqlGateway()
})
after(() => g[Symbol.asyncDispose]())

/** Sends COM_RESET_CONNECTION on mysql2's socket and waits for the server's OK, then gives it back. */
async function resetConnection(c: mysql.Connection): Promise<Buffer> {
  const socket = (c as unknown as { connection: { stream: net.Socket } }).connection.stream
  const listeners = socket.listeners('data') as Array<(chunk: Buffer) => void>
  socket.removeAllListeners('data')
  let answer = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    answer = Buffer.concat([answer, chunk])
  })
  socket.write(Buffer.from([0x01, 0x00, 0x00, 0x00, 0x1f]))
  for (let i = 0; i < 400 && (answer.length < 4 || answer.length < 4 + answer.readUIntLE(0, 3)); i++)
    await sleep(25)
  socket.removeAllListeners('data')
  for (const listener of listeners) socket.on('data', listener)
  return answer
}

const readOnly = async (c: mysql.Connection): Promise<number> => {
  const [rows] = await c.query('SELECT @@SESSION.tx_read_only AS ro')
  return Number((rows as Array<{ ro: number }>)[0]!.ro)
}

test('COM_RESET_CONNECTION leaves a read-only grant read-only upstream', async () => {
  const c = await g.connect((await g.grant('select:$DB.*')).credential)
  try {
    assert.equal(await readOnly(c), 1)
    const answer = await resetConnection(c)
    assert.equal(answer[4], 0x00, `the reset was answered with OK: ${answer.toString('hex')}`)
    assert.equal(await readOnly(c), 1, 'the upstream session is READ ONLY again after the reset')
    const [rows] = await c.query('SELECT id FROM customers ORDER BY id')
    assert.deepEqual(rows, [{ id: 1 }, { id: 2 }])
  } finally {
    await c.end()
  }
})

test('a grant that may write is not made read-only by a reset', async () => {
  const c = await g.connect((await g.grant('*:$DB.*')).credential)
  try {
    assert.equal(await readOnly(c), 0)
    await resetConnection(c)
    assert.equal(await readOnly(c), 0)
    await c.query("UPDATE customers SET name = 'Ada' WHERE id = 1")
  } finally {
    await c.end()
  }
})

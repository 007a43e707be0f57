import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { ClientWriter } from './client-writer.ts'

test('adjacent relayed frames go out as one view; anything else keeps its place in the order', () => {
  const socket = new PassThrough()
  const writes: Buffer[] = []
  socket.write = ((chunk: Buffer) => {
    writes.push(chunk)
    return true
  }) as typeof socket.write
  const out = new ClientWriter(socket, () => {})
  const chunk = Buffer.from('aaaabbbbcccc')
  out.relay(chunk.subarray(0, 4))
  out.relay(chunk.subarray(4, 8))
  out.write(Buffer.from('ERR'))
  out.relay(chunk.subarray(8, 12))
  out.relay(Buffer.from('elsewhere'))
  out.flush()
  assert.deepEqual(
    writes.map((w) => w.toString()),
    ['aaaabbbb', 'ERR', 'cccc', 'elsewhere'],
  )
  assert.equal(writes[0]!.buffer, chunk.buffer, 'joined without a copy')
})

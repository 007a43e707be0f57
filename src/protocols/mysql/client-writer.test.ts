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

test('ranges of one chunk join into one write; a range of other memory starts a new one', () => {
  const socket = new PassThrough()
  const writes: Buffer[] = []
  socket.write = ((chunk: Buffer) => {
    writes.push(chunk)
    return true
  }) as typeof socket.write
  const out = new ClientWriter(socket, () => {})
  const chunk = Buffer.from('aaaabbbbccccdddd')
  out.relayRange(chunk, 0, 4)
  out.relayRange(chunk, 4, 8)
  out.relayRange(chunk, 12, 16) // not adjacent: bytes 8-12 were held back (e.g. masked)
  out.relay(chunk.subarray(16)) // empty view right after
  out.flush()
  out.relayRange(chunk, 0, 16)
  out.flush()
  assert.deepEqual(
    writes.map((w) => w.toString()),
    ['aaaabbbb', 'dddd', 'aaaabbbbccccdddd'],
  )
  assert.equal(writes[2], chunk, 'a whole chunk goes out as itself')
})

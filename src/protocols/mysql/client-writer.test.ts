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

test('between begin and end writes are held: one becomes one socket write, several are corked into one', () => {
  const socket = new PassThrough()
  const events: string[] = []
  socket.write = ((chunk: Buffer) => {
    events.push(`write ${chunk.toString()}`)
    return true
  }) as typeof socket.write
  socket.cork = () => void events.push('cork')
  socket.uncork = () => void events.push('uncork')
  const out = new ClientWriter(socket, () => {})
  const chunk = Buffer.from('aaaabbbbcccc')
  out.begin()
  out.relayRange(chunk, 0, 4)
  out.relayRange(chunk, 4, 8)
  assert.deepEqual(events, [], 'nothing written before end()')
  out.end()
  assert.deepEqual(events, ['write aaaabbbb'], 'one write, no cork')
  events.length = 0
  out.begin()
  out.relayRange(chunk, 0, 4)
  out.write(Buffer.from('MASKED'))
  out.relayRange(chunk, 8, 12)
  out.end()
  assert.deepEqual(events, ['cork', 'write aaaa', 'write MASKED', 'write cccc', 'uncork'], 'in order')
  events.length = 0
  out.end()
  out.relayRange(chunk, 0, 4)
  out.flush()
  assert.deepEqual(events, ['write aaaa'], 'a second end() writes nothing; outside begin() writes go at once')
})

test('a full socket is reported for held writes too', () => {
  const socket = new PassThrough()
  socket.write = (() => false) as typeof socket.write
  let full = 0
  const out = new ClientWriter(socket, () => full++)
  out.begin()
  out.write(Buffer.from('a'))
  assert.equal(full, 0)
  out.end()
  assert.equal(full, 1)
})

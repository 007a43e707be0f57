import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { HandshakeReader } from './handshake-reader.ts'

/** A startup packet: int32 length (itself included), then its body. */
function startupPacket(body: Buffer): Buffer {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(body.length + 4)
  return Buffer.concat([head, body])
}

test('a client sending unasked while its login is checked is held in the socket, not buffered', async () => {
  const socket = new PassThrough()
  const reader = new HandshakeReader(socket, 10_000)
  socket.write(startupPacket(Buffer.alloc(100, 1)))
  assert.equal((await reader.startupPacket()).length, 104)
  // Nothing reads now (the gateway checks the login): the client goes on sending.
  for (let i = 0; i < 64; i++) socket.write(Buffer.alloc(64 * 1024, 2))
  await new Promise((resolve) => setImmediate(resolve))
  assert.ok(socket.isPaused(), 'the socket is paused once a whole message could be read')
  assert.ok(reader.buffered <= 10_000 + 5 + 64 * 1024, `buffered ${reader.buffered} bytes`)
})

test('messages that arrive together are all read, the reader resuming the socket as it needs more', async () => {
  const socket = new PassThrough()
  const reader = new HandshakeReader(socket, 10_000)
  const packets = Array.from({ length: 5 }, (_, i) => startupPacket(Buffer.alloc(9_000, i)))
  socket.write(Buffer.concat(packets))
  for (let i = 0; i < 5; i++) {
    const packet = await reader.startupPacket()
    assert.equal(packet.length, 9_004)
    assert.equal(packet[4], i)
  }
  socket.write(startupPacket(Buffer.from('late')))
  assert.equal((await reader.startupPacket()).subarray(4).toString(), 'late')
})

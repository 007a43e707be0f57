import assert from 'node:assert/strict'
import { PassThrough } from 'node:stream'
import { test } from 'node:test'
import { HandshakeChannel } from './handshake-channel.ts'

test('a packet is read whole however it is split, and what follows it is left over', async () => {
  const socket = new PassThrough()
  const channel = new HandshakeChannel(socket)
  const bytes = Buffer.from([3, 0, 0, 0, 0x61, 0x62, 0x63, 1, 0, 0, 1, 0x64, 0x65])
  const first = channel.read()
  for (let i = 0; i < bytes.length; i++) socket.emit('data', bytes.subarray(i, i + 1))
  assert.deepEqual(await first, Buffer.from('abc'))
  assert.deepEqual(await channel.read(), Buffer.from('d'))
  assert.deepEqual(channel.detach().leftover, Buffer.from('e'))
})

test('a handshake sent a byte a read is joined once, not with every byte', async () => {
  const one = Buffer.alloc(1, 0x61)
  const before = process.cpuUsage()
  // Sixteen connections, each a 64 KiB packet and as much again unasked, a byte a read (what a client pacing
  // its writes gets), before any login is checked: joining each byte onto what came before copied ~4 GB a
  // connection (~1 s of CPU each; 1.9 s for 128 KiB in one packet's wait).
  for (let connection = 0; connection < 16; connection++) {
    const socket = new PassThrough()
    const channel = new HandshakeChannel(socket)
    const packet = channel.read()
    socket.emit('data', Buffer.from([0, 0, 1, 0]))
    for (let i = 0; i < 64 * 1024; i++) socket.emit('data', one)
    assert.equal((await packet).length, 64 * 1024)
    for (let i = 0; i < 64 * 1024; i++) socket.emit('data', one)
    assert.equal(channel.detach().leftover.length, 64 * 1024)
  }
  const cpu = process.cpuUsage(before)
  // A catastrophe bound, not a speed claim: a fifth of a second here, ~16 s on the old code.
  const seconds = (cpu.user + cpu.system) / 1e6
  assert.ok(seconds < 6, `${seconds.toFixed(1)} s of CPU for sixteen handshakes sent a byte a read`)
})

// The coalescing's reliance on ssh2 internals (pinned to 1.17): a packet built from several chunks is
// byte for byte what ssh2's own channelData/channelExtData build from the joined bytes, and ssh2's window
// adjust handler still resumes a held write through `_write(_chunk, null, _chunkcb)` (coalesce-output.ts
// holds writes that way). Fails if ssh2 changes either.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { type ChannelInternals, channelDataPacket } from './ssh2-channel-data.ts'

const require = createRequire(import.meta.url)
const Protocol = require('ssh2/lib/protocol/Protocol.js') as {
  prototype: {
    channelData(this: unknown, id: number, data: Buffer): void
    channelExtData(this: unknown, id: number, data: Buffer, type: number): void
  }
}

/** A protocol whose packet writer keeps the packets it is given instead of encrypting them. */
function capturing() {
  const packets: Buffer[] = []
  const protocol = {
    _packetRW: {
      write: { allocStart: 5, alloc: (n: number) => Buffer.alloc(5 + n + 7), finalize: (b: Buffer) => b },
    },
    _kexinit: undefined,
    _cipher: { encrypt: (packet: Buffer) => packets.push(Buffer.from(packet)) },
  }
  const channel = { _client: { _protocol: protocol }, outgoing: { id: 7 } } as unknown as ChannelInternals
  return { packets, protocol, channel }
}

test('a packet built from several chunks equals ssh2 channelData / channelExtData of the joined bytes', () => {
  const chunks = [Buffer.from('abc'), Buffer.alloc(0), Buffer.from('defgh'), Buffer.from('\n')]
  const joined = Buffer.concat(chunks)
  for (const stderr of [false, true]) {
    const ours = capturing()
    channelDataPacket(ours.channel, chunks, joined.length, stderr)
    const theirs = capturing()
    if (stderr) Protocol.prototype.channelExtData.call(theirs.protocol, 7, joined, 1)
    else Protocol.prototype.channelData.call(theirs.protocol, 7, joined)
    assert.equal(ours.packets.length, 1)
    assert.deepEqual(ours.packets, theirs.packets)
  }
})

test("ssh2's window adjust handler resumes a held write through _write(_chunk, null, _chunkcb)", () => {
  const server = readFileSync(require.resolve('ssh2/lib/server.js'), 'utf8')
  assert.match(
    server,
    /if \(channel\._waitWindow\) \{\s*channel\._waitWindow = false;\s*if \(channel\._chunk\) \{\s*channel\._write\(channel\._chunk, null, channel\._chunkcb\);/,
  )
})

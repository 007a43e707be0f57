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

/** A connection with ssh2's AES-GCM cipher and packet writer whose socket takes writes at once (or keeps
 * them: `pending` bytes stay buffered), recording the encrypted packets it is given. */
function aesGcmConnection(pending = 0) {
  const { CIPHER_INFO, createCipher } = require('ssh2/lib/protocol/crypto.js') as {
    CIPHER_INFO: Record<string, { keyLen: number; ivLen: number }>
    createCipher(config: object): object
  }
  const { PacketWriter } = require('ssh2/lib/protocol/zlib.js') as { PacketWriter: new (p: object) => object }
  const info = CIPHER_INFO['aes128-gcm@openssh.com']!
  const written: Buffer[] = []
  /** The bytes each packet had when the socket took it. */
  const sent: Buffer[] = []
  const sock = { writableLength: 0 }
  const options = {
    cipherInfo: info,
    cipherKey: Buffer.alloc(info.keyLen, 1),
    cipherIV: Buffer.alloc(info.ivLen, 2),
  }
  const protocol: Record<string, unknown> = {
    _kexinit: undefined,
    _cipher: createCipher({
      outbound: {
        ...options,
        seqno: 0,
        onWrite: (packet: Buffer) => {
          written.push(packet)
          sent.push(Buffer.from(packet))
          sock.writableLength += pending
        },
      },
    }),
  }
  protocol._packetRW = { write: new PacketWriter(protocol) }
  const channel = {
    _client: { _protocol: protocol, _sock: sock },
    outgoing: { id: 7 },
  } as unknown as ChannelInternals
  return { channel, written, sent, options }
}

test('a packet built in a reused buffer is laid out as ssh2 allocPacket lays it out, and decrypts to the data', () => {
  const { createDecipher, CIPHER_INFO } = require('ssh2/lib/protocol/crypto.js') as {
    createDecipher(config: object): { decrypt(data: Buffer, p: number, len: number): void }
    CIPHER_INFO: Record<string, object>
  }
  const { channel, written, sent, options } = aesGcmConnection()
  const payloads: Buffer[] = []
  const decipher = createDecipher({
    inbound: {
      ...options,
      decipherInfo: CIPHER_INFO['aes128-gcm@openssh.com'],
      decipherKey: options.cipherKey,
      decipherIV: options.cipherIV,
      seqno: 0,
      onPayload: (payload: Buffer) => payloads.push(Buffer.from(payload)),
    },
  })
  const sizes = [1, 11, 12, 27, 28, 1000, 32768]
  for (const size of sizes) channelDataPacket(channel, [Buffer.alloc(size, size & 0xff)], size, false)
  // Every packet after the first came from the first one's buffer: the socket took each at once.
  assert.ok(written.every((packet) => packet.buffer === written[0]!.buffer))
  for (const packet of sent) decipher.decrypt(packet, 0, packet.length)
  assert.deepEqual(
    payloads.map((payload) => payload.subarray(9)),
    sizes.map((size) => Buffer.alloc(size, size & 0xff)),
  )
})

test('a packet the socket still holds is never reused', () => {
  const { channel, written } = aesGcmConnection(1)
  for (let i = 0; i < 3; i++) channelDataPacket(channel, [Buffer.alloc(100, i)], 100, false)
  assert.equal(new Set(written.map((packet) => packet.buffer)).size, 3)
})

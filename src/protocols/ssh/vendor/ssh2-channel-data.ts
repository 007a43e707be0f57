// One SSH_MSG_CHANNEL_DATA (or CHANNEL_EXTENDED_DATA, stderr) packet from several buffers, through ssh2's
// own packet writer: what ssh2 1.17's Protocol.channelData/channelExtData do for one buffer
// (lib/protocol/Protocol.js), with the chunks copied into the packet one after another instead of first
// joined into one buffer. Used by coalesce-output.ts. Internal
// to ssh2 and pinned to 1.17: ssh2-channel-data.test.ts fails if these internals change.
import { randomFillSync } from 'node:crypto'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { sendPacket } = require('ssh2/lib/protocol/utils.js') as {
  sendPacket: (protocol: ProtocolInternals, packet: Buffer) => void
}

const CHANNEL_DATA = 94
const CHANNEL_EXTENDED_DATA = 95
const STDERR = 1

/** The parts of ssh2's Protocol this writes through (the same #551 uses, ssh2-cert-auth.ts). */
interface ProtocolInternals {
  _packetRW: { write: { alloc(n: number): Buffer; allocStart: number; finalize(b: Buffer): Buffer } }
  /** Set while a key exchange runs: sendPacket then queues the packet instead of sending it. */
  _kexinit?: unknown
  _cipher: object
}

/** The parts of ssh2's Channel the coalescing uses. */
export interface ChannelInternals {
  outgoing: { id: number; window: number; packetSize: number; state: string }
  _client: { _protocol: ProtocolInternals; _sock?: { writableLength: number } }
  _write(chunk: Buffer, encoding: BufferEncoding | null, cb: (error?: Error | null) => void): void
  _writev?(chunks: Array<{ chunk: Buffer }>, cb: (error?: Error | null) => void): void
  stderr: { _write: ChannelInternals['_write'] }
  _waitWindow: boolean
  _chunk: Buffer | undefined
  _chunkcb: ((error?: Error | null) => void) | undefined
}

/** Sends `chunks` (`bytes` in all, within the window and the packet size) as one CHANNEL_DATA packet, or
 * CHANNEL_EXTENDED_DATA of type stderr. */
export function channelDataPacket(
  channel: ChannelInternals,
  chunks: Buffer[],
  bytes: number,
  stderr: boolean,
): void {
  const protocol = channel._client._protocol
  const writer = protocol._packetRW.write
  const start = writer.allocStart
  const head = stderr ? 1 + 4 + 4 + 4 : 1 + 4 + 4
  const reusable = reusablePacket(channel, head + bytes)
  const packet = reusable ?? writer.alloc(head + bytes)
  packet[start] = stderr ? CHANNEL_EXTENDED_DATA : CHANNEL_DATA
  packet.writeUInt32BE(channel.outgoing.id, start + 1)
  if (stderr) packet.writeUInt32BE(STDERR, start + 5)
  packet.writeUInt32BE(bytes, start + head - 4)
  let at = start + head
  for (const chunk of chunks) {
    packet.set(chunk, at)
    at += chunk.length
  }
  sendPacket(protocol, writer.finalize(packet))
  // Encrypted in place and written: the socket took the bytes at once (its write completed synchronously,
  // nothing is buffered or in flight), so nothing refers to the buffer any more and the next packet may
  // use it. Otherwise the socket still holds it: it is left to it, and the next packet gets a new one.
  if (reusable && channel._client._sock?.writableLength === 0) SPARE_PACKETS.set(protocol, reusable.buffer)
}

/** Per connection, a buffer a sent packet no longer needs. */
const SPARE_PACKETS = new WeakMap<ProtocolInternals, ArrayBuffer | SharedArrayBuffer>()
/** Fits the largest CHANNEL_DATA packet a client may ask for (ssh2 accepts up to 32 KiB + headers). */
const PACKET_BUFFER_BYTES = 36 * 1024
const AES_GCM_TAG_BYTES = 16

/** An unencrypted packet for `payloadBytes`, laid out as ssh2 1.17's AESGCMCipherBinding.allocPacket lays it
 * out (length, padding length, payload, random padding to a 16-byte multiple, room for the tag), in the
 * connection's spare buffer; undefined where ssh2 would not send it at once and in place: another cipher,
 * compression, a key exchange running (sendPacket queues packets meanwhile), or no spare buffer free. */
function reusablePacket(channel: ChannelInternals, payloadBytes: number): Buffer | undefined {
  const protocol = channel._client._protocol
  if (
    protocol._kexinit !== undefined ||
    protocol._cipher.constructor.name !== 'AESGCMCipherBinding' ||
    protocol._packetRW.write.constructor.name !== 'PacketWriter' ||
    channel._client._sock === undefined
  )
    return undefined
  let packetBytes = 4 + 1 + payloadBytes
  let padding = 16 - ((packetBytes - 4) & 15)
  if (padding < 4) padding += 16
  packetBytes += padding
  const total = packetBytes + AES_GCM_TAG_BYTES
  if (total > PACKET_BUFFER_BYTES) return undefined
  // Taken: a packet the socket keeps is never handed out again.
  const spare = SPARE_PACKETS.get(protocol)
  SPARE_PACKETS.delete(protocol)
  const packet = spare
    ? Buffer.from(spare, 0, total)
    : Buffer.allocUnsafeSlow(PACKET_BUFFER_BYTES).subarray(0, total)
  packet.writeUInt32BE(packetBytes - 4, 0)
  packet[4] = padding
  randomFillSync(packet, 5 + payloadBytes, padding)
  return packet
}

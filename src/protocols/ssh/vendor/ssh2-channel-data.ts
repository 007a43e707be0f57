// One SSH_MSG_CHANNEL_DATA (or CHANNEL_EXTENDED_DATA, stderr) packet from several buffers, through ssh2's
// own packet writer: what ssh2 1.17's Protocol.channelData/channelExtData do for one buffer
// (lib/protocol/Protocol.js), with the chunks copied into the packet one after another instead of first
// joined into one buffer. Used by coalesce-output.ts. Internal
// to ssh2 and pinned to 1.17: ssh2-channel-data.test.ts fails if these internals change.
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
}

/** The parts of ssh2's Channel the coalescing uses. */
export interface ChannelInternals {
  outgoing: { id: number; window: number; packetSize: number; state: string }
  _client: { _protocol: ProtocolInternals }
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
  const packet = writer.alloc(head + bytes)
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
}

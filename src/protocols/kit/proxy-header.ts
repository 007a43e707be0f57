// The PROXY protocol header (haproxy.org/download/2.9/doc/proxy-protocol.txt) a load balancer sends first
// on each connection it opens to a replica, naming the client it accepted: version 1 (one text line, at
// most 107 bytes) and version 2 (binary, 16 bytes and the addresses). Hand-written: the listener must know
// where the header ends to give the bytes after it to the protocol, from a buffer that may hold only part
// of it, and the addresses are a few fixed offsets (DEPENDENCIES.md).
import net from 'node:net'

export interface ProxiedPeer {
  address: string
  port: number
}

/** More bytes are needed; or the header's length and the client it names (none for LOCAL or UNKNOWN: the
 * balancer's own connection, such as a health check); or why the bytes are not a header. */
export type ProxyHeaderParse =
  | { need: true }
  | { length: number; peer: ProxiedPeer | undefined }
  | { error: string }

const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a])
const V1_MAX = 107
/** Version 2's addresses and TLVs: the addresses take at most 216 bytes (UNIX); TLVs beyond this are not
 * something a balancer in front of taskgate needs to send. */
export const V2_MAX_PAYLOAD = 1024

export function parseProxyHeader(buffer: Buffer): ProxyHeaderParse {
  const signature = Math.min(buffer.length, V2_SIGNATURE.length)
  if (buffer.subarray(0, signature).equals(V2_SIGNATURE.subarray(0, signature))) {
    return buffer.length < 16 ? { need: true } : parseV2(buffer)
  }
  const prefix = Math.min(buffer.length, 6)
  if (buffer.toString('latin1', 0, prefix) !== 'PROXY '.slice(0, prefix))
    return { error: 'the connection did not start with a PROXY protocol header' }
  const end = buffer.indexOf('\r\n', 0, 'latin1')
  if (end < 0) return buffer.length >= V1_MAX ? { error: 'PROXY v1 header over 107 bytes' } : { need: true }
  if (end + 2 > V1_MAX) return { error: 'PROXY v1 header over 107 bytes' }
  return parseV1(buffer.toString('latin1', 6, end), end + 2)
}

function parseV1(line: string, length: number): ProxyHeaderParse {
  const [family, source, , sourcePort] = line.split(' ')
  if (family === 'UNKNOWN') return { length, peer: undefined }
  const ipVersion = family === 'TCP4' ? 4 : family === 'TCP6' ? 6 : 0
  const port = Number(sourcePort)
  if (
    ipVersion === 0 ||
    line.split(' ').length !== 5 ||
    net.isIP(source ?? '') !== ipVersion ||
    !/^\d{1,5}$/.test(sourcePort ?? '') ||
    port > 65535
  )
    return { error: `malformed PROXY v1 header: ${JSON.stringify(line.slice(0, 60))}` }
  return { length, peer: { address: source!, port } }
}

function parseV2(buffer: Buffer): ProxyHeaderParse {
  const versionCommand = buffer[12]!
  if (versionCommand >> 4 !== 2) return { error: `PROXY v2 header of version ${versionCommand >> 4}` }
  const payload = buffer.readUInt16BE(14)
  if (payload > V2_MAX_PAYLOAD)
    return { error: `PROXY v2 header of ${payload} bytes (at most ${V2_MAX_PAYLOAD})` }
  const length = 16 + payload
  if (buffer.length < length) return { need: true }
  const command = versionCommand & 0x0f
  if (command === 0) return { length, peer: undefined }
  if (command !== 1) return { error: `PROXY v2 command ${command}` }
  const family = buffer[13]! >> 4
  if (family === 1 && payload >= 12)
    return {
      length,
      peer: { address: [...buffer.subarray(16, 20)].join('.'), port: buffer.readUInt16BE(24) },
    }
  if (family === 2 && payload >= 36) {
    const groups = Array.from({ length: 8 }, (_, i) => buffer.readUInt16BE(16 + 2 * i).toString(16))
    return { length, peer: { address: compressIpv6(groups), port: buffer.readUInt16BE(48) } }
  }
  if (family === 0) return { length, peer: undefined }
  return { error: `PROXY v2 address family ${family} (TCP over IPv4 or IPv6 expected)` }
}

/** The canonical text form (RFC 5952) of an IPv6 address, as Node's remoteAddress gives it. */
function compressIpv6(groups: string[]): string {
  const text = groups.join(':')
  if (text.startsWith('0:0:0:0:0:ffff:')) {
    const [high, low] = [Number.parseInt(groups[6]!, 16), Number.parseInt(groups[7]!, 16)]
    return `::ffff:${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
  }
  let best: [number, number] = [-1, 0]
  for (let i = 0; i < 8; ) {
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > best[1] && j - i > 1) best = [i, j - i]
    i = j === i ? i + 1 : j
  }
  if (best[0] < 0) return text
  return `${groups.slice(0, best[0]).join(':')}::${groups.slice(best[0] + best[1]).join(':')}`
}

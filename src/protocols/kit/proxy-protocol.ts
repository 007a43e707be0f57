// A listener behind a load balancer that sends the PROXY protocol: from a trusted balancer's address, each
// connection's first bytes are a header naming the client, read before the protocol sees any byte; the
// socket then reports that client as its remote address, so failed-login limits, audit and sessions count
// the client rather than the balancer. A connection from elsewhere is served as it is (a header it sends is
// not believed: the protocol refuses it as garbage).
import net from 'node:net'
import type tls from 'node:tls'
import type { Logger } from 'pino'
import { type ProxiedPeer, parseProxyHeader } from './proxy-header.ts'

/** How long a trusted balancer may take to send the header (it sends it at once on connect). */
export const PROXY_HEADER_TIMEOUT_MS = 5_000

/** The addresses (`10.0.0.5`) and networks (`10.0.0.0/8`, `fd00::/8`) whose connections carry a header. */
export function trustedSources(entries: readonly string[]): net.BlockList {
  const list = new net.BlockList()
  for (const entry of entries) {
    const [address, prefix] = entry.split('/')
    const type = net.isIP(address!) === 6 ? 'ipv6' : 'ipv4'
    if (prefix === undefined) list.addAddress(address!, type)
    else list.addSubnet(address!, Number(prefix), type)
  }
  return list
}

export function isTrusted(list: net.BlockList, address: string | undefined): boolean {
  if (address === undefined) return false
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return list.check(mapped[1]!, 'ipv4')
  return list.check(address, net.isIP(address) === 6 ? 'ipv6' : 'ipv4')
}

/** Reads the header off `raw` and leaves the bytes after it unread for the protocol. Resolves to the client
 * it names (undefined for the balancer's own connections), or rejects with why it is not a header. */
export function readProxyHeader(
  raw: net.Socket,
  timeoutMs = PROXY_HEADER_TIMEOUT_MS,
): Promise<ProxiedPeer | undefined> {
  return new Promise((resolve, reject) => {
    let buffered: Buffer = Buffer.alloc(0)
    const finish = (error: Error | undefined, peer?: ProxiedPeer) => {
      clearTimeout(timer)
      raw.off('readable', onReadable)
      raw.off('close', onClose)
      raw.off('error', onError)
      if (error) reject(error)
      else resolve(peer)
    }
    const onClose = () =>
      finish(
        buffered.length === 0
          ? new BalancerProbe()
          : new Error('the connection closed within its PROXY header'),
      )
    // A reset before the header ends: the connection's failure, never an unhandled 'error' event (the
    // HTTPS listener's socket has no other listener until it is handed over).
    const onError = (error: Error) => finish(error)
    const onReadable = () => {
      for (let chunk = raw.read() as Buffer | null; chunk !== null; chunk = raw.read() as Buffer | null) {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk])
        const parsed = parseProxyHeader(buffered)
        if ('need' in parsed) continue
        if ('error' in parsed) return finish(new Error(parsed.error))
        const rest = buffered.subarray(parsed.length)
        finish(undefined, parsed.peer)
        if (rest.length > 0) raw.unshift(rest)
        return
      }
    }
    const timer = setTimeout(() => finish(new Error(`no PROXY header within ${timeoutMs} ms`)), timeoutMs)
    raw.on('readable', onReadable)
    raw.once('close', onClose)
    raw.on('error', onError)
  })
}

/** A trusted balancer's connection closed before any byte: its TCP health check, not an error. */
export class BalancerProbe extends Error {
  constructor() {
    super('closed before any byte (a health check)')
  }
}

/** Reads the header of a connection from a trusted balancer and makes the socket report the client it
 * names; false (the socket destroyed, the reason logged) when there is no valid header. */
export async function admitFromBalancer(
  raw: net.Socket,
  logger: Pick<Logger, 'debug' | 'warn'>,
): Promise<boolean> {
  const balancer = `${raw.remoteAddress}:${raw.remotePort}`
  try {
    const peer = await readProxyHeader(raw)
    if (peer) adoptPeer(raw, peer)
    return true
  } catch (error) {
    const level = error instanceof BalancerProbe ? 'debug' : 'warn'
    logger[level]({ balancer, err: (error as Error).message }, 'connection refused: no valid PROXY header')
    raw.destroy()
    return false
  }
}

/** Makes the socket report the proxied client as its remote end, for everything that reads it later. */
export function adoptPeer(raw: net.Socket, peer: ProxiedPeer): void {
  Object.defineProperties(raw, {
    remoteAddress: { value: peer.address, configurable: true },
    remotePort: { value: peer.port, configurable: true },
    remoteFamily: { value: net.isIP(peer.address) === 6 ? 'IPv6' : 'IPv4', configurable: true },
  })
}

/**
 * Puts the header's reading in front of a TLS (HTTPS) server's own connection handling: the server keeps
 * listening (its head and request deadlines run as before) and gets each connection from a trusted balancer
 * once its header is read. Node's TLS socket reports its own peer, not the raw socket's: it is given the
 * proxied client when its handshake completes (`_parent`, the raw socket it wraps; were that gone, the
 * balancer's address would be counted, as without the PROXY protocol).
 */
export function acceptThroughBalancers(
  server: tls.Server,
  trusted: readonly string[],
  logger: Pick<Logger, 'debug' | 'warn'>,
): void {
  const balancers = trustedSources(trusted)
  const handlers = server.listeners('connection') as Array<(raw: net.Socket) => void>
  server.removeAllListeners('connection')
  const handOver = (raw: net.Socket) => {
    for (const handler of handlers) handler.call(server, raw)
  }
  server.on('connection', (raw: net.Socket) => {
    if (!isTrusted(balancers, raw.remoteAddress)) return handOver(raw)
    void admitFromBalancer(raw, logger).then((admitted) => admitted && handOver(raw))
  })
  server.prependListener('secureConnection', (socket: tls.TLSSocket) => {
    const raw = (socket as tls.TLSSocket & { _parent?: net.Socket })._parent
    if (raw && Object.hasOwn(raw, 'remoteAddress'))
      adoptPeer(socket as unknown as net.Socket, { address: raw.remoteAddress!, port: raw.remotePort! })
  })
}

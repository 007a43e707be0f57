// What an exec/attach session typed and printed, recorded as the session's actions: the channels of the
// stream are read from the relayed bytes, whichever way kubectl speaks (WebSocket `v4/v5.channel.k8s.io`: the
// first payload byte of a message names the channel, 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; SPDY/3.1:
// a stream per channel named by its `streamtype` header, spdy-channels.ts), and their text kept in pieces of at
// most PIECE_BYTES, up to MAX_RECORDED_BYTES a channel (the rest is counted, not kept). SPDY bytes that cannot
// be read as frames are refused: the caller closes the stream with the reason. Port-forward data is counted
// only (any protocol may run inside it); so is port-forward over WebSocket (`SPDY/3.1+portforward.k8s.io`
// tunnels SPDY frames in WebSocket messages, not read here).
import { type Core, maskSecrets } from '../../core/index.ts'
import type { RequestInfo } from './request-info.ts'
import type { KubeLogin } from './serve-request.ts'
import { SpdyChannels } from './spdy-channels.ts'
import { WebSocketFrameReader } from './websocket-frames.ts'

const PIECE_BYTES = 16 * 1024
const MAX_RECORDED_BYTES = 1024 * 1024

/** The container channels whose bytes are recorded. */
export type ChannelName = 'stdin' | 'stdout' | 'stderr' | 'error' | 'resize'

const WEBSOCKET_CHANNELS: readonly ChannelName[] = ['stdin', 'stdout', 'stderr', 'error', 'resize']
const RECORDED = new Set<string>(WEBSOCKET_CHANNELS)

/** The binary channel protocols among a WebSocket upgrade's offered ones (`v5.channel.k8s.io`,
 * `v4.channel.k8s.io`, … `channel.k8s.io`: the first payload byte names the channel). The base64 variants
 * (`base64.channel.k8s.io`: an ASCII digit names it, the data is base64) and anything else are not read. */
export function binaryChannelProtocols(webSocketProtocol: string | undefined): string[] {
  return (webSocketProtocol ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => /^(?:v[0-9]+\.)?channel\.k8s\.io$/.test(p))
}

/** How the upgrade speaks, from its request: WebSocket binary channels (only those are offered upstream,
 * streams.ts), SPDY/3.1, or neither read. */
export function streamFraming(
  upgrade: string | undefined,
  webSocketProtocol: string | undefined,
): 'websocket-channels' | 'spdy' | 'opaque' {
  const kind = (upgrade ?? '').trim()
  if (/^websocket$/i.test(kind) && binaryChannelProtocols(webSocketProtocol).length > 0)
    return 'websocket-channels'
  if (!webSocketProtocol && /^spdy\/3\.1$/i.test(kind)) return 'spdy'
  return 'opaque'
}

interface Decoder {
  fromClient(chunk: Buffer): string | undefined
  fromServer(chunk: Buffer): string | undefined
  close(): void
}

export class StreamRecorder {
  readonly #core: Core
  readonly #login: KubeLogin
  readonly #what: string
  /** Per channel, the pieces not yet recorded and their bytes (summed as they come: adding up the list with
   * every piece was quadratic in a channel fed one byte a frame). */
  readonly #pieces = new Map<ChannelName, { list: Buffer[]; bytes: number }>()
  readonly #kept = new Map<ChannelName, number>()
  #bytesIn = 0
  #bytesOut = 0
  readonly #decoder: Decoder | undefined
  /** Called with each channel's bytes as they are read (the terminal recording). */
  readonly #onChannel: ((name: ChannelName, data: Buffer) => void) | undefined

  constructor(
    core: Core,
    login: KubeLogin,
    info: RequestInfo,
    framing: ReturnType<typeof streamFraming>,
    onChannel?: (name: ChannelName, data: Buffer) => void,
  ) {
    this.#core = core
    this.#login = login
    this.#what = `${info.subresource} ${info.namespace}/${info.name}`
    this.#onChannel = onChannel
    const container = info.subresource !== 'portforward'
    if (framing === 'spdy') {
      // Port-forward over SPDY is read too (an unreadable frame closes it), its data counted only.
      const channels = new SpdyChannels((name, data) => {
        if (container && RECORDED.has(name)) this.#channel(name as ChannelName, data)
      })
      this.#decoder = channels
    } else if (framing === 'websocket-channels' && container) {
      const onPayload = (payload: Buffer) => {
        const name = WEBSOCKET_CHANNELS[payload[0] ?? 255]
        if (name && payload.length > 1) this.#channel(name, payload.subarray(1))
      }
      const client = new WebSocketFrameReader(onPayload)
      const server = new WebSocketFrameReader(onPayload)
      this.#decoder = {
        fromClient: (chunk) => void client.push(chunk),
        fromServer: (chunk) => void server.push(chunk),
        close: () => {},
      }
    }
  }

  /** Reads bytes from kubectl: the reason to close the stream when they cannot be read, else undefined. */
  fromClient(chunk: Buffer): string | undefined {
    this.#bytesIn += chunk.length
    return this.#decoder?.fromClient(chunk)
  }

  fromServer(chunk: Buffer): string | undefined {
    this.#bytesOut += chunk.length
    return this.#decoder?.fromServer(chunk)
  }

  #channel(name: ChannelName, data: Buffer): void {
    this.#onChannel?.(name, data)
    const kept = this.#kept.get(name) ?? 0
    if (kept >= MAX_RECORDED_BYTES) return
    const piece = Buffer.from(data.subarray(0, MAX_RECORDED_BYTES - kept))
    this.#kept.set(name, kept + piece.length)
    let pieces = this.#pieces.get(name)
    if (!pieces) {
      pieces = { list: [], bytes: 0 }
      this.#pieces.set(name, pieces)
    }
    pieces.list.push(piece)
    pieces.bytes += piece.length
    if (pieces.bytes >= PIECE_BYTES) this.#record(name)
  }

  #record(name: ChannelName): void {
    const pieces = this.#pieces.get(name)
    if (!pieces?.list.length) return
    this.#pieces.set(name, { list: [], bytes: 0 })
    this.#core.recordAction(this.#login.handle, {
      kind: `${this.#what.split(' ')[0]} ${name}`,
      // As the terminal recording is (asciicast.ts): credentials the detectors find never reach a record.
      text: maskSecrets(Buffer.concat(pieces.list, pieces.bytes).toString('utf8')),
      outcome: 'allow',
    })
  }

  /** Records what is left and the byte counts (the stream ended). */
  flush(): void {
    this.#decoder?.close()
    for (const name of this.#pieces.keys()) this.#record(name)
    this.#core.recordAction(this.#login.handle, {
      kind: `${this.#what.split(' ')[0]} end`,
      text: `${this.#what}: ${this.#bytesIn} bytes from the client, ${this.#bytesOut} from the server`,
      outcome: 'allow',
    })
  }
}

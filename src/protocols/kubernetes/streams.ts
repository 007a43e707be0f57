// exec, attach and port-forward: an HTTP upgrade (WebSocket `v5.channel.k8s.io`…, or SPDY/3.1 from older
// clients) decided as `create` of the pod's subresource, limited per grant (clients.maxStreamsPerGrant), then
// relayed byte for byte between kubectl and the API server (which speaks to the kubelet) with the same
// impersonated identity; the bytes are recorded by stream-recorder.ts. A refusal is a Status in a plain HTTP
// response, which kubectl prints as the server's.
import type http from 'node:http'
import https from 'node:https'
import type { Duplex } from 'node:stream'
import { TaskgateError } from '../../core/index.ts'
import { asksImpersonation, upstreamHeaders } from './back.ts'
import { classifyRequest, STREAM_SUBRESOURCES } from './classify.ts'
import { failure, type KubeStatus, tooManyStreams } from './errors.ts'
import { ExecRecording } from './exec-recording.ts'
import { watchPodPresence } from './pod-presence.ts'
import type { RequestInfo } from './request-info.ts'
import {
  admit,
  decideRequest,
  type KubeLogin,
  type KubeServeContext,
  refusal,
  refuseImpersonation,
} from './serve-request.ts'
import { binaryChannelProtocols, StreamRecorder, streamFraming } from './stream-recorder.ts'

export async function serveUpgrade(
  ctx: KubeServeContext,
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  socket.on('error', () => socket.destroy())
  const client = `${req.socket.remoteAddress}:${req.socket.remotePort}`
  const { info, action, commandNeed } = classifyRequest(req.method ?? 'GET', req.url ?? '/')
  const admitted = await admit(ctx, req.headers.authorization, client, info)
  if ('status' in admitted) return writeStatus(socket, admitted.status)
  const { login, release: releaseRequest } = admitted
  socket.on('close', releaseRequest)
  if (asksImpersonation(req.headers))
    return writeStatus(socket, refuseImpersonation(ctx, login, info, action))
  // Only the container streams upgrade; any other upgrade (e.g. a proxied WebSocket) is not relayed.
  if (!STREAM_SUBRESOURCES.has(info.subresource)) return writeStatus(socket, NOT_A_STREAM)
  const decided = await decideRequest(ctx, login, info, action, commandNeed)
  if (decided.decision.outcome !== 'allow') return writeStatus(socket, refusal(decided.decision, info))
  const slot = takeStreamSlot(ctx, login.context.grant.id)
  if (!slot) return writeStatus(socket, tooManyStreams(ctx.maxStreamsPerGrant, info))
  const framing = streamFraming(req.headers.upgrade, req.headers['sec-websocket-protocol'])
  // exec and attach are also recorded as a terminal (the console replays it); port-forward carries any protocol.
  const recorded = info.subresource !== 'portforward'
  if (recorded && framing === 'opaque') {
    // Fail closed: a container stream whose channels the gateway cannot read would run unrecorded.
    slot()
    login.gate.recordOutcome(decided.seq, decided.action, { error: 'unreadable stream framing' })
    return writeStatus(socket, UNREADABLE_FRAMING)
  }
  // Only the binary channel protocols are offered upstream, so the server cannot choose one not read here.
  if (framing === 'websocket-channels' && recorded)
    req.headers['sec-websocket-protocol'] = binaryChannelProtocols(
      req.headers['sec-websocket-protocol'],
    ).join(', ')
  const cast = recorded
    ? await ExecRecording.open({
        storeDir: ctx.core.config.store.dir,
        maxBytes: ctx.maxRecordingBytes,
        login,
        info,
        seq: decided.seq,
        command: commandOf(decided.action.recordText ?? decided.action.text),
      })
    : undefined
  if (recorded && !cast) {
    // Fail closed: a terminal that cannot be recorded is not opened.
    slot()
    login.gate.recordOutcome(decided.seq, decided.action, { error: 'recording unavailable' })
    return writeStatus(socket, RECORDING_UNAVAILABLE)
  }
  if (socket.destroyed) {
    // kubectl left while the recording was opened: nothing was relayed.
    slot()
    void cast?.close('the client left before the stream opened')
    return
  }
  const stream: OpenStream = {
    ctx,
    login,
    info,
    socket,
    head,
    recorder: new StreamRecorder(
      ctx.core,
      login,
      info,
      framing,
      cast && ((name, data) => cast.channel(name, data)),
    ),
    started: Date.now(),
    end: () => {},
    cut: () => {},
    recordingLag: () => cast?.lag(),
  }
  stream.end = once((error?: string) => {
    slot()
    stream.recorder.flush()
    void cast?.close(error)
    login.gate.recordOutcome(decided.seq, decided.action, {
      durationMs: Date.now() - stream.started,
      ...(error ? { error } : {}),
    })
  })
  relay(stream, req)
  // The file failing mid-stream (disk full, I/O error) cuts the stream: what is not recorded does not go on.
  cast?.onFailure((error) => {
    const code = (error as NodeJS.ErrnoException).code ?? 'write error'
    ctx.logger.error({ code }, 'the exec recording cannot be written: stream cut')
    stream.cut(`recording failed: ${code}`)
  })
}

/** The exec command of a decided action's text (`POST /…?command=… -- ls -la`; a request target holds no
 * space, so the first ` -- ` is the separator). */
function commandOf(text: string): string | undefined {
  const at = text.indexOf(' -- ')
  return at < 0 ? undefined : text.slice(at + 4)
}

const UNREADABLE_FRAMING = failure(
  new TaskgateError('TG_FORBIDDEN', {
    message:
      'taskgate relays exec and attach as WebSocket v5/v4.channel.k8s.io or SPDY/3.1 only, whose channels it records; this upgrade offered neither',
  }),
)

const RECORDING_UNAVAILABLE = failure(
  new TaskgateError('TG_RECORDING_UNAVAILABLE', {
    message:
      'the terminal recording of this stream cannot be written (the gateway disk); nothing was started',
  }),
)

const NOT_A_STREAM = failure(
  new TaskgateError('TG_FORBIDDEN', {
    message: 'taskgate relays upgrades only for exec, attach and port-forward',
  }),
)

interface OpenStream {
  ctx: KubeServeContext
  login: KubeLogin
  info: RequestInfo
  socket: Duplex
  head: Buffer
  recorder: StreamRecorder
  started: number
  /** Ends the stream's bookkeeping once: its slot, its recording, its outcome. */
  end: (error?: string) => void
  /** Closes both sides, `reason` kept as the outcome (set by relay()). */
  cut: (reason?: string) => void
  /** While the terminal recording's file lags, a promise of it catching up (relayRead holds both ways). */
  recordingLag: () => Promise<void> | undefined
}

const once = <A extends unknown[]>(f: (...args: A) => void) => {
  let done = false
  return (...args: A) => {
    if (done) return
    done = true
    f(...args)
  }
}

/** Counts an open stream of a grant; undefined at the limit. The returned function frees it (once). */
function takeStreamSlot(ctx: KubeServeContext, grantId: string): (() => void) | undefined {
  const open = ctx.streams.get(grantId) ?? 0
  if (open >= ctx.maxStreamsPerGrant) return undefined
  ctx.streams.set(grantId, open + 1)
  return once(() => {
    const left = (ctx.streams.get(grantId) ?? 1) - 1
    if (left <= 0) ctx.streams.delete(grantId)
    else ctx.streams.set(grantId, left)
  })
}

/** Opens the upgrade upstream under the grant's identity and relays it; cut when the grant ends. */
function relay(stream: OpenStream, req: http.IncomingMessage): void {
  const { ctx, login, socket } = stream
  const upstreamReq = https.request({
    host: ctx.upstream.host,
    port: ctx.upstream.port,
    agent: false,
    ca: ctx.upstream.agent.options.ca,
    cert: ctx.upstream.agent.options.cert,
    key: ctx.upstream.agent.options.key,
    method: req.method,
    path: req.url,
    headers: upstreamHeaders(ctx.upstream, req.headers, login.context.grant, { upgrade: true }),
  })
  let why: string | undefined
  const cut = (reason?: string) => {
    why ??= reason
    upstreamReq.destroy()
    socket.destroy()
  }
  stream.cut = cut
  // The grant ended (or the gateway closes): the stream is cut at once.
  const onGrantEnd = () => cut()
  if (login.signal.aborted) cut()
  else login.signal.addEventListener('abort', onGrantEnd, { once: true })
  socket.on('close', () => {
    login.signal.removeEventListener('abort', onGrantEnd)
    upstreamReq.destroy()
    stream.end(why)
  })
  upstreamReq.on('upgrade', (res, upstreamSocket: Duplex, upstreamHead: Buffer) =>
    pipeUpgraded(stream, res, upstreamSocket, upstreamHead, cut),
  )
  upstreamReq.on('response', (res) => {
    // The server refused the upgrade (no such pod, no kubelet): its answer goes back as it is.
    socket.write(responseHead(res, true))
    res.pipe(socket)
    res.on('end', () => stream.end(`HTTP ${res.statusCode}`))
  })
  upstreamReq.on('error', (error) => {
    stream.end(error.message)
    writeStatus(socket, failure(new TaskgateError('TG_UPSTREAM_UNAVAILABLE', { detail: error.message })))
  })
  upstreamReq.end()
}

/** Both sides upgraded: bytes relayed as they are once the recorder has read them, until either side or the
 * pod goes away; bytes the recorder cannot read (a SPDY frame it cannot parse) close the stream instead. */
function pipeUpgraded(
  stream: OpenStream,
  res: http.IncomingMessage,
  upstreamSocket: Duplex,
  upstreamHead: Buffer,
  cut: (reason?: string) => void,
): void {
  const { socket, recorder, head } = stream
  ;(upstreamSocket as Duplex & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true)
  const unreadable = (why: string) => cut(`closed: ${why}`)
  socket.write(responseHead(res))
  const fromServer = (chunk: Buffer) => recorder.fromServer(chunk)
  const fromClient = (chunk: Buffer) => recorder.fromClient(chunk)
  if (upstreamHead.length > 0) {
    const why = fromServer(upstreamHead)
    if (why) {
      unreadable(why)
      return
    }
    socket.write(upstreamHead)
  }
  if (head.length > 0) {
    const why = fromClient(head)
    if (why) {
      unreadable(why)
      return
    }
    upstreamSocket.write(head)
  }
  relayRead(socket, upstreamSocket, fromClient, unreadable, stream.recordingLag)
  relayRead(upstreamSocket, socket, fromServer, unreadable, stream.recordingLag)
  upstreamSocket.on('error', () => socket.destroy())
  upstreamSocket.on('close', () => socket.destroy())
  const stopWatching = watchPodPresence(stream.ctx.upstream, stream.login.context.grant, stream.info, cut)
  socket.on('close', () => {
    stopWatching()
    upstreamSocket.destroy()
  })
}

/** `from` piped into `to` with backpressure, each chunk read first: a chunk that cannot be read is not
 * relayed, and the stream is closed with the reason. While the terminal recording's file lags (`lag` gives
 * a promise), `from` is not read: what a disk slower than the stream has not taken waits in the sockets,
 * not in the gateway's memory, and is not relayed ahead of its recording by more than the writer's queue. */
function relayRead(
  from: Duplex,
  to: Duplex,
  read: (chunk: Buffer) => string | undefined,
  unreadable: (why: string) => void,
  lag?: () => Promise<void> | undefined,
): void {
  let waiting = false
  from.on('data', (chunk: Buffer) => {
    const why = read(chunk)
    if (why !== undefined) return unreadable(why)
    const full = !to.write(chunk)
    const behind = lag?.()
    if (behind) {
      waiting = true
      from.pause()
      void behind.then(() => {
        waiting = false
        if (!to.writableNeedDrain) from.resume()
      })
    } else if (full) from.pause()
  })
  to.on('drain', () => {
    if (!waiting) from.resume()
  })
  from.on('end', () => to.end())
}

/** The status line and headers of an upstream response, as raw HTTP/1.1 for the client's socket. */
function responseHead(res: http.IncomingMessage, closeDelimited = false): string {
  const lines = [`HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? ''}`]
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i]!
    // A refused upgrade's body is relayed decoded, up to the close: no framing header of the server's applies.
    if (closeDelimited && /^(transfer-encoding|content-length|connection)$/i.test(name)) continue
    lines.push(`${name}: ${res.rawHeaders[i + 1]}`)
  }
  if (closeDelimited) lines.push('connection: close')
  return `${lines.join('\r\n')}\r\n\r\n`
}

function writeStatus(socket: Duplex, status: KubeStatus): void {
  if (socket.destroyed) return
  const body = JSON.stringify(status)
  socket.end(
    `HTTP/1.1 ${status.code} ${status.reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  )
}

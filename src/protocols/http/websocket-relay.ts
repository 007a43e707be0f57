// The relay of an accepted WebSocket: every chunk is read as RFC 6455 frames (websocket-frames.ts) before it
// is forwarded, so a frame the gateway cannot read never passes; messages are recorded (websocket-recorder.ts)
// and what the server sends counts toward the grant's exfiltration budget (a hold stops reading the
// upstream). When a masking rule applies to the caller, the server's text messages are gathered (up to
// clients.maxMaskBytes, else closed with 1009), masked as a text body is, and sent as one frame; binary
// messages and control frames pass as they are. When the session ends (grant ended, revoked) the client
// gets a close frame 1008 with the reason, the upstream one too, and both sockets are gone within 500 ms.

import { randomBytes } from 'node:crypto'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { type MaskingContext, maskValue, type SessionHandle } from '../../core/index.ts'
import { ResultBudget } from '../kit/result-budget.ts'
import {
  closePayload,
  encodeFrame,
  type FrameHead,
  FrameParser,
  OPCODE,
  WebSocketProtocolError,
} from './websocket-frames.ts'
import type { Direction, WebSocketRecorder } from './websocket-recorder.ts'

export interface WebSocketRelayOptions {
  handle: SessionHandle
  logger: Logger
  masking: MaskingContext | undefined
  maxMaskBytes: number
  recorder: WebSocketRecorder
  signal: AbortSignal
}

export interface RelayTotals {
  sent: number
  received: number
  status: number
}

const CLOSE_GRACE_MS = 500

class MessageTooBig extends Error {}

export function relayWebSocket(
  client: Duplex,
  upstream: Socket,
  options: WebSocketRelayOptions,
  /** Bytes each side sent right after its upgrade head, already read off the sockets. */
  heads: { client: Buffer; upstream: Buffer },
): Promise<RelayTotals> {
  const { recorder, masking } = options
  const totals: RelayTotals = { sent: 0, received: 0, status: 101 }
  // Output toward the client of the chunk being read (rewrite mode gathers it, then writes once).
  let out: Buffer[] = []
  let text: Buffer[] = []
  let textBytes = 0
  let messages = 0
  const plan = masking?.plan([{ name: 'message', typeHint: 'json' }])
  const observe = (from: Direction) => ({
    head: (frame: FrameHead) => {
      recorder.head(from, frame)
      if (plan && from === 'server' && frame.message !== OPCODE.text) out.push(frame.raw)
    },
    payload: (data: Buffer, frame: FrameHead) => {
      recorder.payload(from, data, frame)
      if (!plan || from !== 'server') return
      if (frame.message !== OPCODE.text) return void out.push(Buffer.from(data))
      textBytes += data.length
      if (textBytes > options.maxMaskBytes) throw new MessageTooBig()
      text.push(Buffer.from(data))
    },
    end: (frame: FrameHead) => {
      if (recorder.end(from, frame) && from === 'server') messages++
      if (!plan || from !== 'server' || frame.message !== OPCODE.text || !frame.fin) return
      const masked = maskValue(plan, 0, Buffer.concat(text, textBytes).toString('utf8')) ?? 'null'
      out.push(encodeFrame(OPCODE.text, Buffer.from(masked, 'utf8'), undefined))
      text = []
      textBytes = 0
    },
  })
  const fromClient = new FrameParser(true, observe('client'))
  const fromServer = new FrameParser(false, observe('server'))
  const budget = new ResultBudget({
    handle: options.handle,
    logger: options.logger,
    pause: () => upstream.pause(),
    resume: () => upstream.resume(),
  })

  return new Promise((resolve) => {
    let ended = false
    let closing = false
    const finish = (why?: string) => {
      if (ended) return
      ended = true
      options.signal.removeEventListener('abort', onAbort)
      recorder.finish(why)
      client.destroy()
      upstream.destroy()
      resolve(totals)
    }
    /** Sends close frames (when both streams are at a frame boundary) and ends both sockets. */
    const close = (code: number, reason: string) => {
      if (ended || closing) return
      closing = true
      if (fromServer.atBoundary) client.end(encodeFrame(OPCODE.close, closePayload(code, reason), undefined))
      else client.end()
      if (fromClient.atBoundary)
        upstream.end(encodeFrame(OPCODE.close, closePayload(code, reason), randomBytes(4)))
      else upstream.end()
      setTimeout(() => finish(reason), CLOSE_GRACE_MS).unref()
    }
    const failed = (error: unknown) => {
      if (error instanceof MessageTooBig)
        return close(1009, 'taskgate: a masking rule applies and the message is over clients.maxMaskBytes')
      if (error instanceof WebSocketProtocolError) return close(1002, `taskgate: ${error.message}`)
      options.logger.error({ err: String(error) }, 'websocket relay failed')
      close(1011, 'taskgate: internal error')
    }
    const onAbort = () => {
      const reason = options.signal.reason instanceof Error ? options.signal.reason.message : 'session ended'
      close(1008, `taskgate: ${reason}`)
    }

    const fromClientData = (chunk: Buffer) => {
      if (closing) return
      totals.sent += chunk.length
      try {
        fromClient.push(chunk)
      } catch (error) {
        return failed(error)
      }
      if (!upstream.write(chunk)) client.pause()
    }
    upstream.on('drain', () => client.resume())
    const fromServerData = (chunk: Buffer) => {
      if (closing) return
      totals.received += chunk.length
      messages = 0
      try {
        fromServer.push(chunk)
      } catch (error) {
        out = []
        return failed(error)
      }
      budget.count({ bytes: chunk.length, ...(messages > 0 ? { rows: messages } : {}) })
      let open = true
      if (!plan) open = client.write(chunk)
      else if (out.length > 0) open = client.write(out.length === 1 ? out[0]! : Buffer.concat(out))
      out = []
      if (!open) upstream.pause()
    }
    if (heads.upstream.length > 0) fromServerData(heads.upstream)
    if (heads.client.length > 0) fromClientData(heads.client)
    client.on('data', fromClientData)
    upstream.on('data', fromServerData)
    client.on('drain', () => {
      if (!budget.holding) upstream.resume()
    })
    client.on('end', () => closing || upstream.end())
    upstream.on('end', () => closing || client.end())
    client.on('close', () => finish())
    upstream.on('close', () => finish())
    client.on('error', (error) => finish(`client: ${error.message}`))
    upstream.on('error', (error) => finish(`upstream: ${error.message}`))
    if (options.signal.aborted) onAbort()
    else options.signal.addEventListener('abort', onAbort, { once: true })
  })
}

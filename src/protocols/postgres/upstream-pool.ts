// Upstream connections kept for the next login of the same grant: a client that ends its session cleanly
// (Terminate, outside a transaction, nothing in flight) leaves its upstream connection here, reset with
// DISCARD ALL, which returns the server session to the state its startup left it in (every setting back to
// its startup value, prepared statements, cursors, temporary tables, LISTENs and advisory locks gone;
// postgresql.org/docs/current/sql-discard.html). A new connection per client costs the server a process and
// a login; `pgbench -C` shows it (README "Performance").
//
// A connection is reused only under the same key: grant, upstream login, database and the exact startup
// settings, so a reused session is the one a fresh login would have started. Idle ones close after
// IDLE_MS, and at once when their grant changes (ends, is revoked); a grant's connections are never handed to
// another grant.
import type { Logger } from 'pino'
import type { Upstream } from './back.ts'
import { HandshakeReader } from './handshake-reader.ts'
import { serializeQuery, TERMINATE } from './wire/client-messages.ts'
import { parseErrorFields } from './wire/server-messages.ts'

const IDLE_MS = 5_000
const RESET_TIMEOUT_MS = 2_000
const MAX_IDLE_PER_KEY = 8
const MAX_IDLE = 64
const DISCARD_ALL = serializeQuery('DISCARD ALL')

interface Idle {
  readonly upstream: Upstream
  readonly timer: NodeJS.Timeout
  readonly onGone: () => void
}

export class UpstreamPool {
  readonly #idle = new Map<string, Idle[]>()
  readonly #logger: Logger
  #size = 0
  #closed = false

  constructor(logger: Logger) {
    this.#logger = logger
  }

  /** An idle connection for `key`, taken out of the pool; undefined when there is none. */
  take(key: string): Upstream | undefined {
    const list = this.#idle.get(key)
    const entry = list?.pop()
    if (!entry) return undefined
    if (list!.length === 0) this.#idle.delete(key)
    this.#forget(entry)
    // Paused until the relay reads it: nothing the server sends next may be lost in between.
    entry.upstream.socket.pause()
    return entry.upstream
  }

  /** Resets `upstream` with DISCARD ALL and keeps it for `key`; closes it when the reset fails or the
   * pool is full. The ParameterStatus frames the reset produces replace the startup ones of the same name. */
  async release(key: string, upstream: Upstream): Promise<void> {
    if (this.#closed || this.#size >= MAX_IDLE || (this.#idle.get(key)?.length ?? 0) >= MAX_IDLE_PER_KEY) {
      upstream.socket.end(TERMINATE)
      return
    }
    const reset = await resetSession(upstream).catch((error: unknown) => {
      this.#logger.debug({ err: String(error) }, 'upstream reset failed; closing it')
      return undefined
    })
    if (!reset || this.#closed) {
      upstream.socket.destroy()
      return
    }
    const { socket } = reset
    // A server that closes or fails an idle connection (pg_terminate_backend, restart) takes it out.
    const onGone = () => this.#remove(key, entry)
    const timer = setTimeout(() => {
      this.#remove(key, entry)
      socket.end(TERMINATE)
    }, IDLE_MS)
    timer.unref()
    const entry: Idle = { upstream: reset, timer, onGone }
    socket.on('close', onGone)
    socket.on('error', onGone)
    socket.on('data', onGone)
    const list = this.#idle.get(key) ?? []
    list.push(entry)
    this.#idle.set(key, list)
    this.#size++
  }

  /** Closes the idle connections of a grant (it changed: ended, revoked), so none outlives it. */
  dropGrant(grantId: string): void {
    for (const [key, list] of [...this.#idle]) {
      if ((JSON.parse(key) as unknown[])[0] !== grantId) continue
      for (const entry of [...list]) this.#remove(key, entry)
    }
  }

  close(): void {
    this.#closed = true
    for (const list of this.#idle.values()) {
      for (const entry of list) {
        this.#forget(entry)
        entry.upstream.socket.destroy()
      }
    }
    this.#idle.clear()
  }

  #remove(key: string, entry: Idle): void {
    const list = this.#idle.get(key)
    const at = list?.indexOf(entry) ?? -1
    if (at < 0) return
    list!.splice(at, 1)
    if (list!.length === 0) this.#idle.delete(key)
    this.#forget(entry)
    entry.upstream.socket.destroy()
  }

  #forget(entry: Idle): void {
    clearTimeout(entry.timer)
    const { socket } = entry.upstream
    socket.off('close', entry.onGone)
    socket.off('error', entry.onGone)
    socket.off('data', entry.onGone)
    this.#size--
  }
}

/** Sends DISCARD ALL and reads up to its ReadyForQuery, which must say idle. Notices, notifications still
 * in flight from the last session and ParameterStatus are consumed here; any error fails the reset. */
async function resetSession(upstream: Upstream): Promise<Upstream> {
  const { socket } = upstream
  const reader = new HandshakeReader(socket, 1024 * 1024)
  const timer = setTimeout(() => socket.destroy(new Error('DISCARD ALL timed out')), RESET_TIMEOUT_MS)
  try {
    socket.write(DISCARD_ALL)
    const status = new Map<string, Buffer>()
    let completed = false
    for (;;) {
      const frame = await reader.frame()
      switch (frame[0]) {
        case 0x43: // CommandComplete
          completed = frame.toString('latin1', 5, frame.length - 1) === 'DISCARD ALL'
          break
        case 0x53: // ParameterStatus
          status.set(parameterName(frame), Buffer.from(frame))
          break
        case 0x41: // NotificationResponse of the last session
        case 0x4e: // NoticeResponse
          break
        case 0x45:
          throw new Error(`DISCARD ALL failed: ${parseErrorFields(frame).get('C')}`)
        case 0x5a: {
          if (!completed || frame[5] !== 0x49) throw new Error('DISCARD ALL did not leave the session idle')
          if (reader.detach().length > 0) throw new Error('bytes after DISCARD ALL')
          const startupFrames = upstream.startupFrames.map((f) =>
            f[0] === 0x53 ? (status.get(parameterName(f)) ?? f) : f,
          )
          return { ...upstream, startupFrames, leftover: Buffer.alloc(0) }
        }
        default:
          throw new Error(`unexpected message type ${frame[0]} after DISCARD ALL`)
      }
    }
  } finally {
    clearTimeout(timer)
    reader.detach()
  }
}

function parameterName(frame: Buffer): string {
  const end = frame.indexOf(0, 5)
  return frame.toString('utf8', 5, end < 0 ? frame.length : end)
}

/** The key a connection is reused under: everything that shaped its startup. */
export function poolKey(parts: {
  grantId: string
  user: string
  database: string
  readOnly: boolean
  settings: ReadonlyArray<{ name: string; value: string }>
}): string {
  return JSON.stringify([
    parts.grantId,
    parts.user,
    parts.database,
    parts.readOnly,
    parts.settings.map((s) => [s.name, s.value]),
  ])
}

// Clients get BackendKeyData with the upstream backend's real process id (so pg_backend_pid(), a
// NotificationResponse's sender and pg_terminate_backend agree with it) and a secret key the gateway makes
// up. A CancelRequest is routed by that pair, per listener, and sent on to the upstream backend with the
// backend's real key (postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS).
// Upstream keys never reach clients and a client's key never goes upstream, so a client can cancel only
// its own session's queries: a wrong key cancels nothing, silently, as PostgreSQL answers it.
import { randomInt, timingSafeEqual } from 'node:crypto'
import net from 'node:net'
import { CANCEL_REQUEST_CODE } from './wire/client-messages.ts'

interface Entry {
  secretKey: Buffer
  host: string
  port: number
  upstreamSecretKey: Buffer
}

export interface CancelKey {
  processId: number
  secretKey: number
  release(): void
}

export class CancelKeys {
  /** By upstream process id. A pid is one live backend of the target at a time; a list only so a pid reused
   * by a new backend before the old session has released it keeps both keys apart. */
  readonly #entries = new Map<number, Entry[]>()
  /** Where a key this process does not hold goes: another gateway process may hold it. */
  readonly #elsewhere: ((processId: number, secretKey: Buffer) => void) | undefined

  constructor(elsewhere?: (processId: number, secretKey: Buffer) => void) {
    this.#elsewhere = elsewhere
  }

  /** The client-facing key for one upstream backend: its real pid, and a fresh secret. */
  register(upstream: { host: string; port: number; processId: number; secretKey: Buffer }): CancelKey {
    const processId = upstream.processId
    const secretKey = randomInt(-0x80000000, 0x7fffffff)
    const secret = Buffer.alloc(4)
    secret.writeInt32BE(secretKey)
    const entry: Entry = {
      secretKey: secret,
      host: upstream.host,
      port: upstream.port,
      upstreamSecretKey: upstream.secretKey,
    }
    const list = this.#entries.get(processId)
    if (list) list.push(entry)
    else this.#entries.set(processId, [entry])
    const release = () => {
      const left = (this.#entries.get(processId) ?? []).filter((e) => e !== entry)
      if (left.length > 0) this.#entries.set(processId, left)
      else this.#entries.delete(processId)
    }
    return { processId, secretKey, release }
  }

  /** Forwards a client's CancelRequest when its key matches; silently ignores it otherwise, as PostgreSQL does.
   * A pid of no session here is handed to `elsewhere` unless `local` (it came from another process). */
  async cancel(processId: number, secretKey: Buffer, local = false): Promise<boolean> {
    const list = this.#entries.get(processId)
    if (!list && !local) this.#elsewhere?.(processId, secretKey)
    const entry = list?.find(
      (e) => e.secretKey.length === secretKey.length && timingSafeEqual(e.secretKey, secretKey),
    )
    if (!entry) return false
    const packet = Buffer.alloc(12 + entry.upstreamSecretKey.length)
    packet.writeInt32BE(packet.length, 0)
    packet.writeInt32BE(CANCEL_REQUEST_CODE, 4)
    packet.writeInt32BE(processId, 8)
    entry.upstreamSecretKey.copy(packet, 12)
    await new Promise<void>((resolve) => {
      const socket = net.connect({ host: entry.host, port: entry.port }, () => socket.end(packet))
      socket.setTimeout(5_000, () => socket.destroy())
      socket.on('close', () => resolve())
      socket.on('error', () => resolve())
    })
    return true
  }
}

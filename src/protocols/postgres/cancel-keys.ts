// Clients get a gateway-made BackendKeyData; a CancelRequest carrying it is sent on to the upstream
// backend with that backend's real key (postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS).
// Upstream keys never reach clients, so a client can cancel only its own session's queries.
import { randomInt, timingSafeEqual } from 'node:crypto'
import { sendCancelRequest } from './stop-backend.ts'

interface Entry {
  secretKey: Buffer
  host: string
  port: number
  upstreamProcessId: number
  upstreamSecretKey: Buffer
}

export interface CancelKey {
  processId: number
  secretKey: number
  release(): void
}

export class CancelKeys {
  readonly #entries = new Map<number, Entry>()
  /** Where a key this process does not hold goes: another gateway process may hold it. */
  readonly #elsewhere: ((processId: number, secretKey: Buffer) => void) | undefined

  constructor(elsewhere?: (processId: number, secretKey: Buffer) => void) {
    this.#elsewhere = elsewhere
  }

  /** A fresh client-facing key for one upstream backend. */
  register(upstream: { host: string; port: number; processId: number; secretKey: Buffer }): CancelKey {
    let processId: number
    do processId = randomInt(1, 0x7fffffff)
    while (this.#entries.has(processId))
    const secretKey = randomInt(-0x80000000, 0x7fffffff)
    const secret = Buffer.alloc(4)
    secret.writeInt32BE(secretKey)
    this.#entries.set(processId, {
      secretKey: secret,
      host: upstream.host,
      port: upstream.port,
      upstreamProcessId: upstream.processId,
      upstreamSecretKey: upstream.secretKey,
    })
    return { processId, secretKey, release: () => this.#entries.delete(processId) }
  }

  /** Forwards a client's CancelRequest when its key matches; silently ignores it otherwise, as PostgreSQL does.
   * A key of no session here is handed to `elsewhere` unless `local` (it came from another process). */
  async cancel(processId: number, secretKey: Buffer, local = false): Promise<boolean> {
    const entry = this.#entries.get(processId)
    if (!entry && !local) this.#elsewhere?.(processId, secretKey)
    if (
      !entry ||
      entry.secretKey.length !== secretKey.length ||
      !timingSafeEqual(entry.secretKey, secretKey)
    ) {
      return false
    }
    await sendCancelRequest(entry, entry.upstreamProcessId, entry.upstreamSecretKey)
    return true
  }
}

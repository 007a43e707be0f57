// A gateway starting while its store is unreachable or saturated (a replica restarted on a loaded host, a
// store restarting under it) keeps trying for `store.startupWait` instead of exiting at the first timeout:
// a supervisor restarting an exited process would do the same, later and with a cold start each time. Only
// the store's two transient codes are retried; a config error, a port in use or a migration that fails
// ends the start at once.
import type { Logger } from 'pino'
import { isTaskgateError } from './core/index.ts'

const TRANSIENT = new Set(['TG_STORE_UNAVAILABLE', 'TG_STORE_BUSY'])
const MAX_BACKOFF_MS = 10_000

export async function startWaitingForStore<T>(
  start: () => Promise<T>,
  options: { waitMs: number; logger: Logger; sleep?: (ms: number) => Promise<void> },
): Promise<T> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)))
  const deadline = performance.now() + options.waitMs
  let backoff = 1000
  for (let attempt = 1; ; attempt++) {
    try {
      return await start()
    } catch (error) {
      const code = isTaskgateError(error) ? error.code : undefined
      const left = deadline - performance.now()
      if (code === undefined || !TRANSIENT.has(code) || left <= 0) throw error
      const wait = Math.min(backoff, left)
      options.logger.warn(
        { code, attempt, retryInMs: Math.round(wait), leftMs: Math.round(left) },
        'store not ready at start; trying again (store.startupWait)',
      )
      await sleep(wait)
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
    }
  }
}

import type { Config } from '../../config/schema.ts'
import type { Store } from '../../store/store.ts'
import { toTaskgateError } from '../errors.ts'

/** Each check is `ok` or why not, in words an operator acts on. */
export interface Readiness {
  ready: boolean
  checks: { store: string; migrations: string; listeners: string }
}

const TIMED_OUT = Symbol('timed out')

/** A probe must answer before the orchestrator gives up on it (Kubernetes' default timeout is 1 s). */
const STORE_TIMEOUT_MS = 900

/**
 * Ready to take traffic: the store answers (within STORE_TIMEOUT_MS), it holds every migration this
 * gateway knows, and every configured resource's listener is bound in this process.
 */
export async function checkReadiness(
  config: Config,
  store: Store,
  bound: ReadonlyMap<string, unknown>,
  draining = false,
): Promise<Readiness> {
  const unbound = config.resources.filter((r) => !bound.has(r.id)).map((r) => r.id)
  const listeners = draining
    ? 'draining: shutting down, not accepting new sessions'
    : unbound.length === 0
      ? 'ok'
      : `not listening yet: ${unbound.join(', ')}`
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(TIMED_OUT), STORE_TIMEOUT_MS)
  })
  let storeCheck = 'ok'
  let migrations = 'unknown: the store did not answer'
  try {
    const { migrationsPending } = await Promise.race([store.health(), timeout])
    migrations = migrationsPending === 0 ? 'ok' : `${migrationsPending} migrations not applied`
  } catch (error) {
    storeCheck =
      error === TIMED_OUT ? `no answer within ${STORE_TIMEOUT_MS} ms` : toTaskgateError(error).clientMessage
  } finally {
    clearTimeout(timer)
  }
  const checks = { store: storeCheck, migrations, listeners }
  return { ready: Object.values(checks).every((c) => c === 'ok'), checks }
}

import type { Store } from '../../store/store.ts'
import { toTaskgateError } from '../errors.ts'
import type { CoreMetrics } from './core-metrics.ts'

const AREAS = [
  'grants',
  'credentials',
  'serviceAccounts',
  'approvals',
  'audit',
  'auditSinks',
  'sessions',
] as const

/**
 * The store with each operation's failure counted (`taskgate_store_errors_total{operation, code}`): a
 * wrapper made once at start, one closure per operation; what it returns and throws is unchanged.
 */
export function countStoreFailures(store: Store, metrics: CoreMetrics): Store {
  const counted = { ...store } as Record<string, unknown>
  for (const area of AREAS) {
    const target = store[area] as unknown as Record<string, unknown>
    const wrapped: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(target)) {
      if (typeof value !== 'function') {
        wrapped[name] = value
        continue
      }
      const operation = `${area}.${name}`
      wrapped[name] = (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(target, args)
        if (!(result instanceof Promise)) return result
        return result.catch((error: unknown) => {
          metrics.storeFailed(operation, toTaskgateError(error).code)
          throw error
        })
      }
    }
    counted[area] = wrapped
  }
  for (const operation of ['publish', 'health'] as const) {
    counted[operation] = (...args: unknown[]) =>
      (store[operation] as (...a: unknown[]) => Promise<unknown>)(...args).catch((error: unknown) => {
        metrics.storeFailed(operation, toTaskgateError(error).code)
        throw error
      })
  }
  return counted as unknown as Store
}

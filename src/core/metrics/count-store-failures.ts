import type { Store } from '../../store/store.ts'
import { toTaskgateError } from '../errors.ts'
import type { CoreMetrics } from './core-metrics.ts'
import { wrapStoreOperations } from './wrap-store-operations.ts'

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
  return wrapStoreOperations(store, AREAS, ['publish', 'health'], (operation, call) => (...args) => {
    const result = call(...args)
    if (!(result instanceof Promise)) return result
    return result.catch((error: unknown) => {
      metrics.storeFailed(operation, toTaskgateError(error).code)
      throw error
    })
  })
}

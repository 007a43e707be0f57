import type { Store } from '../../store/store.ts'
import type { CoreTracer } from './core-tracer.ts'
import { wrapStoreOperations } from './wrap-store-operations.ts'

const AREAS = [
  'grants',
  'credentials',
  'serviceAccounts',
  'approvals',
  'audit',
  'auditSinks',
  'sessions',
  'recordings',
  'leases',
] as const

/**
 * The store with each operation a span (`store grants.get`) when it runs inside a traced operation: one
 * span per call, a coarse view of where a request spent its time; no SQL, no arguments. Made once at
 * start and only when tracing is on; what each operation returns and throws is unchanged.
 */
export function traceStoreOperations(store: Store, tracer: CoreTracer): Store {
  return wrapStoreOperations(store, AREAS, ['publish'], (operation, call) =>
    traceCall(tracer, operation, call),
  )
}

function traceCall(
  tracer: CoreTracer,
  operation: string,
  call: (...args: unknown[]) => unknown,
): (...args: unknown[]) => unknown {
  return (...args) => {
    const span = tracer.storeOperation(operation)
    if (!span) return call(...args)
    let result: unknown
    try {
      result = call(...args)
    } catch (error) {
      span.end(error)
      throw error
    }
    if (!(result instanceof Promise)) {
      span.end()
      return result
    }
    return result.then(
      (value) => {
        span.end()
        return value
      },
      (error: unknown) => {
        span.end(error)
        throw error
      },
    )
  }
}

import type { Store } from '../../store/store.ts'
import type { CoreTracer } from './core-tracer.ts'

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
  const traced = { ...store } as Record<string, unknown>
  for (const area of AREAS) {
    const target = store[area] as unknown as Record<string, unknown>
    const wrapped: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(target)) {
      wrapped[name] =
        typeof value === 'function'
          ? traceCall(tracer, `${area}.${name}`, value as (...a: unknown[]) => unknown, target)
          : value
    }
    traced[area] = wrapped
  }
  traced.publish = traceCall(tracer, 'publish', store.publish as (...a: unknown[]) => unknown, store)
  return traced as unknown as Store
}

function traceCall(
  tracer: CoreTracer,
  operation: string,
  call: (...args: unknown[]) => unknown,
  target: unknown,
): (...args: unknown[]) => unknown {
  return (...args) => {
    const span = tracer.storeOperation(operation)
    if (!span) return call.apply(target, args)
    let result: unknown
    try {
      result = call.apply(target, args)
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

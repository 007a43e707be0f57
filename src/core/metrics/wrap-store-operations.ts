import type { Store } from '../../store/store.ts'

type Operation = (...args: unknown[]) => unknown

/**
 * A copy of the store whose operations in `areas` (each `area.name`) and the top-level `extra` ones are
 * replaced by `wrap(operation, call)`, where `call` runs the original bound to its object. Made once at
 * start (metrics, traces); everything else is the store's own.
 */
export function wrapStoreOperations(
  store: Store,
  areas: readonly (keyof Store)[],
  extra: readonly (keyof Store)[],
  wrap: (operation: string, call: Operation) => Operation,
): Store {
  const wrapped = { ...store } as Record<string, unknown>
  for (const area of areas) {
    const target = store[area] as unknown as Record<string, unknown>
    const copy: Record<string, unknown> = {}
    for (const [name, value] of Object.entries(target))
      copy[name] =
        typeof value === 'function'
          ? wrap(`${area}.${name}`, (...args) => (value as Operation).apply(target, args))
          : value
    wrapped[area] = copy
  }
  for (const name of extra) {
    const value = store[name] as unknown as Operation
    wrapped[name] = wrap(name, (...args) => value.apply(store, args))
  }
  return wrapped as unknown as Store
}

// For "unknown key" errors: the keys the schema allows where the unknown one was written, and the one a typo
// most likely meant (`maxTTl` → `maxTtl`, `autoAprove` → `autoApprove`).
import type { z } from 'zod'

interface SchemaDef {
  type: string
  shape?: Record<string, z.ZodType>
  innerType?: z.ZodType
  element?: z.ZodType
  options?: z.ZodType[]
  in?: z.ZodType
  valueType?: z.ZodType
  getter?: () => z.ZodType
}

const def = (schema: z.ZodType) => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def

/** The object schemas a value at `path` may have to satisfy (several for a union). */
function objectsAt(schema: z.ZodType, path: readonly PropertyKey[]): SchemaDef[] {
  const d = def(schema)
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return d.innerType ? objectsAt(d.innerType, path) : []
    case 'pipe':
      return d.in ? objectsAt(d.in, path) : []
    case 'lazy':
      return d.getter ? objectsAt(d.getter(), path) : []
    case 'union':
      return (d.options ?? []).flatMap((option) => objectsAt(option, path))
  }
  if (path.length === 0) return d.type === 'object' ? [d] : []
  const [head, ...rest] = path
  if (d.type === 'object') {
    const child = d.shape?.[String(head)]
    return child ? objectsAt(child, rest) : []
  }
  if (d.type === 'array' && d.element) return objectsAt(d.element, rest)
  if (d.type === 'record' && d.valueType) return objectsAt(d.valueType, rest)
  return []
}

/** The keys allowed in the object at `path` of `schema`. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((d) => Object.keys(d.shape ?? {})))]
}

/** The known key closest to `key` when it is close enough to be a typo of it, else undefined. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase()
  let best: { name: string; distance: number } | undefined
  for (const name of known) {
    const distance = editDistance(lower, name.toLowerCase())
    if (!best || distance < best.distance) best = { name, distance }
  }
  // Up to a third of the word may be wrong (at least 1, at most 3 edits): "maxTTl", "autoAprove", "celing".
  const allowed = Math.min(3, Math.max(1, Math.floor(key.length / 3)))
  return best && best.distance <= allowed ? best.name : undefined
}

/** Levenshtein distance; config keys are short, so the quadratic table is fine. */
function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length)
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution))
    }
    previous = current
  }
  return previous[b.length]!
}

// Column <-> domain value conversions for the embedded store: instants as epoch ms, JSON as text.

export type Row = Record<string, unknown>

export const toMs = (date: Date | undefined): number | null => (date === undefined ? null : date.getTime())

export const toJson = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value))

export const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value)

/** Copies the non-null columns listed in `map` (column -> field, with a conversion) onto `target`, so
 * absent optional fields stay absent rather than `undefined` (records compare equal to what was inserted). */
export function setOptional<T extends object>(
  target: T,
  row: Row,
  map: Partial<Record<keyof T, [string, Conv]>>,
): T {
  for (const [field, spec] of Object.entries(map) as [keyof T, [string, Conv]][]) {
    const value = row[spec[0]]
    if (value !== null && value !== undefined)
      (target as Record<keyof T, unknown>)[field] = convert[spec[1]](value)
  }
  return target
}

export type Conv = 'date' | 'text' | 'number' | 'json'

export const convert: Record<Conv, (value: unknown) => unknown> = {
  date: (v) => new Date(Number(v)),
  text: (v) => String(v),
  number: (v) => Number(v),
  json: (v) => JSON.parse(String(v)),
}

export const date = (v: unknown): Date => new Date(Number(v))
export const text = (v: unknown): string => String(v)
export const json = <T>(v: unknown): T => JSON.parse(String(v)) as T

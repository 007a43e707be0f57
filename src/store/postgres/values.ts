// Row conversions for the PostgreSQL store: pg already returns timestamptz as Date and json as values.

/** Copies the non-null values onto `target`, so absent optional fields stay absent rather than
 * `undefined` (records then compare equal to what was inserted). */
export function withOptional<T extends object>(target: T, optional: { [K in keyof T]?: T[K] | null }): T {
  for (const [key, value] of Object.entries(optional)) {
    if (value !== null && value !== undefined) (target as Record<string, unknown>)[key] = value
  }
  return target
}

export const orNull = <T>(value: T | undefined): T | null => (value === undefined ? null : value)

export const jsonOrNull = (value: unknown): string | null =>
  value === undefined ? null : JSON.stringify(value)

/** int8 columns arrive as strings (they may exceed 2^53); ours (seq, row counts) stay well below. */
export const int = (value: unknown): number => Number(value)

/** PostgreSQL text cannot hold NUL (SQLSTATE 22021); a recorded statement may. Stored as U+FFFD. */
export const withoutNul = (_key: string, value: unknown): unknown =>
  typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value

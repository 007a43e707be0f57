// Query-string building blocks shared by the list routes: values arrive as text.
import { z } from 'zod'

export const limit = z.coerce
  .number()
  .int()
  .min(1)
  .max(1000)
  .optional()
  .describe('at most this many items (1-1000)')

export const flag = z.stringbool().optional()

/** `a,b` -> ['a', 'b'], each checked against the allowed values. */
export function commaList<const T extends readonly [string, ...string[]]>(values: T, description: string) {
  return z
    .string()
    .transform((text) => text.split(',').filter(Boolean))
    .pipe(z.array(z.enum(values)))
    .optional()
    .describe(`${description}: comma-separated, any of ${values.join(', ')}`)
}

export const idParams = z.object({ id: z.string().min(1).max(200) })

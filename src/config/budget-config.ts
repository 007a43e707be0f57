// The exfiltration budget a policy sets on each grant it covers (issue 16): how much a task may read before
// the gateway warns, holds the session for a person, or ends the grant. Kept apart from schema.ts, which
// only places it under `policies[]`.
import { z } from 'zod'

const count = z.number().int().positive()

const thresholds = z
  .strictObject({
    warn: count
      .optional()
      .describe('crossing it sends the client a warning (PostgreSQL NOTICE) and audits it'),
    hold: count
      .optional()
      .describe(
        'crossing it pauses the session mid-result until a person approves (the task goes on) or denies (the grant ends)',
      ),
    end: count.optional().describe('crossing it ends the grant: its sessions close with the reason'),
  })
  .refine((t) => t.warn !== undefined || t.hold !== undefined || t.end !== undefined, 'set warn, hold or end')
  .refine((t) => {
    const set = [t.warn, t.hold, t.end].filter((n) => n !== undefined)
    return set.every((n, i) => i === 0 || n > set[i - 1]!)
  }, 'thresholds must rise: warn < hold < end')

export const budgetConfig = z
  .strictObject({
    rows: thresholds
      .optional()
      .describe('rows the target returned to the client (masked values count as read)'),
    bytes: thresholds.optional().describe('bytes the target sent to the client through the gateway'),
    statements: thresholds.optional().describe('statements (commands) run'),
    tables: thresholds
      .optional()
      .describe('distinct objects (tables, views, functions) the statements run needed, by name'),
  })
  .describe(
    "per-grant exfiltration budget: counted over all the grant's sessions in this gateway process; where several policies set a threshold, the highest applies",
  )

export type BudgetConfig = z.infer<typeof budgetConfig>
export type BudgetMetric = keyof BudgetConfig
export type BudgetLevel = 'warn' | 'hold' | 'end'

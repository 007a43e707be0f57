// The wire shape of the evidence on a grant (core's GrantEvidence): similar earlier tasks of the principal,
// what they used, what a request asks beyond that, and anomaly signals.
import { z } from 'zod'
import type { GrantEvidence } from '../core/index.ts'

export const evidenceDto = z
  .object({
    similar: z
      .array(
        z.object({
          grantId: z.string(),
          task: z.string(),
          requestedAt: z.string().meta({ format: 'date-time' }),
          used: z.array(z.string()),
          rows: z.number().int(),
        }),
      )
      .describe("the principal's earlier grants on the resource whose task says the same thing (at most 20)"),
    pastUsed: z.array(z.string()).describe('what those grants used of their scopes'),
    widerThanPast: z.array(z.string()).describe('requested entries covering nothing those grants used'),
    rows: z.number().int().describe("rows this grant's allowed statements returned or changed, as recorded"),
    signals: z.array(
      z.object({
        kind: z.enum(['wider-than-past', 'unseen-object', 'volume', 'off-hours']),
        message: z.string(),
        items: z.array(z.string()).optional(),
      }),
    ),
    planCheck: z
      .array(
        z.object({
          text: z.string(),
          outcome: z.enum(['allow', 'deny', 'hold']),
          rule: z.string().optional(),
          reason: z.string().optional(),
        }),
      )
      .optional()
      .describe(
        'a request from a plan: each planned statement decided under the rules in force, as if approved',
      ),
  })
  .describe('evidence from recordings: similar earlier tasks and anomaly signals')

export const toEvidenceDto = (e: GrantEvidence): z.infer<typeof evidenceDto> => ({
  ...e,
  similar: e.similar.map((s) => ({ ...s, requestedAt: s.requestedAt.toISOString() })),
})

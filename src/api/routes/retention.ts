import { z } from 'zod'
import { defineRoute } from '../route-spec.ts'

export const retentionRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/retention/run',
    operationId: 'runRetention',
    summary: 'Apply the retention policies now (administrators)',
    description:
      'Removes the recordings `retention.recordings` selects (never a session under legal hold), and audit entries older than `retention.audit.maxAge` that every export sink has received, after verifying them, and leaves a checkpoint signed with `retention.checkpointKey` that `audit verify` starts from; audited as `retention.pruned`. The gateway also runs this every `retention.interval`.',
    tag: 'audit',
    responses: {
      200: {
        description: 'what was removed',
        schema: z.object({
          audit: z.object({
            pruned: z.number().int().describe('audit entries removed'),
            throughSeq: z
              .number()
              .int()
              .optional()
              .describe('seq of the last entry removed (the checkpoint)'),
          }),
        }),
      },
    },
    handler: async ({ core, principal }) => core.runRetention(principal),
  }),
]

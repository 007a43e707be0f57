import { z } from 'zod'
import { defineRoute } from '../route-spec.ts'

const maskedCounts = z
  .record(z.string(), z.number().int())
  .describe('`rule:<id>` (masked whole) or `rule:<id>/<detector>` (or `unmaskable-binary`) -> values masked')

export const maskingRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/resources/:id/masking-test',
    operationId: 'testMasking',
    summary:
      'Run a query on the target (read-only, rolled back; admins) and show what the masking rules of the given groups mask',
    tag: 'resources',
    params: z.object({ id: z.string().min(1).max(200) }),
    body: z.strictObject({
      sql: z.string().min(1).max(100_000).describe('one query; it runs in a read-only transaction'),
      groups: z.array(z.string().min(1)).max(100).describe('mask as for a member of exactly these groups'),
      maxRows: z.number().int().min(0).max(1000).optional().describe('rows returned (default 20)'),
    }),
    responses: {
      200: {
        description: 'per column what masked how many values, and the first rows as a session would get them',
        schema: z.object({
          columns: z.array(
            z.object({
              name: z.string(),
              table: z.string().optional(),
              type: z.string(),
              masked: maskedCounts,
            }),
          ),
          rows: z.array(z.array(z.string().nullable())),
          rowCount: z.number().int(),
          truncated: z.boolean(),
        }),
      },
    },
    handler: ({ core, principal, params, body }) =>
      core.testMasking(principal, {
        resourceId: params.id,
        groups: body.groups,
        sql: body.sql,
        ...(body.maxRows === undefined ? {} : { maxRows: body.maxRows }),
      }),
  }),
]

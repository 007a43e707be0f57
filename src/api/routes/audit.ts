import { z } from 'zod'
import type { Core } from '../../core/index.ts'
import { auditEntryDto, isoDate, toAuditEntryDto } from '../dto.ts'
import { defineRoute } from '../route-spec.ts'
import { limit } from './query.ts'

export const auditRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/audit',
    operationId: 'listAudit',
    summary: 'Entries of the hash-chained audit log',
    tag: 'audit',
    query: z.object({
      afterSeq: z.coerce.number().int().min(0).optional().describe('only entries after this sequence number'),
      type: z.string().optional().describe('event type, e.g. grant.approved'),
      actor: z.string().optional(),
      subject: z.string().optional(),
      text: z
        .string()
        .max(200)
        .optional()
        .describe('entries whose type, actor, subject or data contain this text (ASCII case ignored)'),
      since: z.coerce.date().optional().describe('ISO 8601: written at or after'),
      until: z.coerce.date().optional().describe('ISO 8601: written before'),
      order: z.enum(['asc', 'desc']).optional().describe('by sequence number; asc by default'),
      limit,
    }),
    responses: { 200: { description: 'entries', schema: z.object({ entries: z.array(auditEntryDto) }) } },
    handler: async ({ core, principal, query }) => {
      const filter: Parameters<Core['listAudit']>[1] = {}
      if (query.afterSeq !== undefined) filter.afterSeq = query.afterSeq
      if (query.type) filter.type = query.type
      if (query.actor) filter.actor = query.actor
      if (query.subject) filter.subject = query.subject
      if (query.text?.trim()) filter.text = query.text.trim()
      if (query.since) filter.since = query.since
      if (query.until) filter.until = query.until
      if (query.order === 'desc') filter.descending = true
      if (query.limit) filter.limit = query.limit
      return { entries: (await core.listAudit(principal, filter)).map(toAuditEntryDto) }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/audit/verify',
    operationId: 'verifyAudit',
    summary: 'Verify the hash chain of the whole audit log',
    description:
      'A broken chain is a result (`ok: false`, where and why), not an HTTP error. Besides each link, the log must reach the chain head the store recorded with the last append (so removing the newest entries shows), and contain `anchor` unchanged when given: a `head` from an earlier verification, kept outside the store.',
    tag: 'audit',
    query: z.object({
      anchor: z
        .string()
        .regex(
          /^[1-9]\d{0,15}:[0-9a-f]{64}$/,
          'expected SEQ:HASH, the head printed by an earlier verification',
        )
        .optional()
        .describe('SEQ:HASH of an entry noted earlier, which must still be in the log unchanged'),
    }),
    responses: {
      200: {
        description: 'the verification result',
        schema: z.object({
          ok: z.boolean(),
          entries: z.number().int(),
          brokenAt: z.number().int().optional().describe('sequence number of the first bad entry'),
          problem: z.string().optional(),
          head: z
            .object({ seq: z.number().int(), hash: z.string() })
            .optional()
            .describe(
              'the newest entry when the log verified: keep it elsewhere and pass it as `anchor` later',
            ),
        }),
      },
    },
    handler: async ({ core, principal, query }) => {
      const [seq, hash] = query.anchor?.split(':') ?? []
      return core.verifyAudit(principal, seq && hash ? { seq: Number(seq), hash } : undefined)
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/audit/sinks',
    operationId: 'listAuditSinks',
    summary: 'Where each SIEM export sink stands',
    description:
      'Each configured sink (`audit.sinks`) with its cursor (the last entry it received), its lag behind the newest entry, the entries it gave up on (dead letters) and, while it fails, why.',
    tag: 'audit',
    responses: {
      200: {
        description: 'the sinks',
        schema: z.object({
          sinks: z.array(
            z.object({
              id: z.string(),
              kind: z.enum(['syslog', 'webhook', 'otlp', 'jsonl']),
              cursor: z.number().int(),
              headSeq: z.number().int(),
              lag: z.number().int(),
              deadLettered: z.number().int(),
              lastDeliveredAt: isoDate.optional(),
              lastError: z.string().optional(),
              lastErrorAt: isoDate.optional(),
            }),
          ),
        }),
      },
    },
    handler: async ({ core, principal }) => ({
      sinks: (await core.auditSinks(principal)).map((s) => ({
        ...s,
        lastDeliveredAt: s.lastDeliveredAt?.toISOString(),
        lastErrorAt: s.lastErrorAt?.toISOString(),
      })),
    }),
  }),
]

import { z } from 'zod'
import { defineRoute } from '../route-spec.ts'
import { idParams } from './query.ts'

const held = z.object({ sessionId: z.string(), held: z.boolean() })

export const legalHoldRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/sessions/:id/legal-hold',
    operationId: 'holdSession',
    summary: 'Place a legal hold on a session (administrators): retention never removes its recording',
    description: 'Audited as `legal_hold.placed`; placing it again replaces the reason.',
    tag: 'sessions',
    params: idParams,
    body: z.strictObject({
      reason: z
        .string()
        .trim()
        .min(1)
        .max(1000)
        .describe('why (a case or ticket); recorded in the audit log'),
    }),
    responses: { 200: { description: 'the session is held', schema: held } },
    handler: async ({ core, principal, params, body }) => {
      await core.holdSession(principal, params.id, body.reason)
      return { sessionId: params.id, held: true }
    },
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/sessions/:id/legal-hold',
    operationId: 'releaseSession',
    summary: "Release a session's legal hold (administrators)",
    description: 'Audited as `legal_hold.released`; retention applies to the recording again.',
    tag: 'sessions',
    params: idParams,
    responses: { 200: { description: 'the hold is released', schema: held } },
    handler: async ({ core, principal, params }) => {
      await core.releaseSession(principal, params.id)
      return { sessionId: params.id, held: false }
    },
  }),
]

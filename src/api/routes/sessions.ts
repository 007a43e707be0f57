import { z } from 'zod'
import type { Core } from '../../core/index.ts'
import {
  actionDto,
  sessionDto,
  sessionSummaryDto,
  toActionDto,
  toSessionDto,
  toSessionSummaryDto,
} from '../dto.ts'
import { defineRoute } from '../route-spec.ts'
import { flag, idParams, limit } from './query.ts'

const instant = z.coerce.date().optional()

export const sessionRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/sessions',
    operationId: 'listSessions',
    summary: 'Recorded sessions (client connections under grants)',
    tag: 'sessions',
    query: z.object({
      principal: z.string().optional().describe('principal id'),
      resource: z.string().optional().describe('resource id'),
      grant: z.string().optional().describe('grant id'),
      since: instant.describe('ISO 8601: started at or after'),
      until: instant.describe('ISO 8601: started before'),
      deniedOnly: flag.describe('only sessions with at least one denied action'),
      task: z.string().max(200).optional().describe("sessions whose grant's task contains this text"),
      state: z.enum(['live', 'ended']).optional().describe('only sessions still open, or only ended ones'),
      limit,
    }),
    responses: {
      200: {
        description: 'sessions, newest first, each with its task and action counts',
        schema: z.object({ sessions: z.array(sessionSummaryDto) }),
      },
    },
    handler: async ({ core, principal, query }) => {
      const filter: Parameters<Core['listSessions']>[1] = {}
      if (query.principal) filter.principalId = query.principal
      if (query.resource) filter.resourceId = query.resource
      if (query.grant) filter.grantId = query.grant
      if (query.since) filter.since = query.since
      if (query.until) filter.until = query.until
      if (query.deniedOnly) filter.deniedOnly = true
      if (query.task?.trim()) filter.task = query.task.trim()
      if (query.state) filter.live = query.state === 'live'
      if (query.limit) filter.limit = query.limit
      return { sessions: (await core.listSessions(principal, filter)).map(toSessionSummaryDto) }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/sessions/:id',
    operationId: 'getSession',
    summary: 'One session with its recorded actions and their decisions',
    tag: 'sessions',
    params: idParams,
    responses: {
      200: {
        description: 'the session',
        schema: z.object({ session: sessionDto, actions: z.array(actionDto) }),
      },
    },
    handler: async ({ core, principal, params }) => {
      const { session, actions } = await core.getSession(principal, params.id)
      return { session: toSessionDto(session), actions: actions.map(toActionDto) }
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/sessions/:id/end',
    operationId: 'endSession',
    summary: 'End one live session (admins and the resource approvers); its grant stays active',
    description:
      'The client is disconnected with the reason (PostgreSQL: a FATAL); `session.terminated` is audited. ' +
      'To take the access away as well, revoke the grant.',
    tag: 'sessions',
    params: idParams,
    body: z.strictObject({
      reason: z.string().trim().min(1).max(1000).describe('recorded in the audit log and told to the client'),
    }),
    responses: { 200: { description: 'the session as it was when asked to end', schema: sessionDto } },
    handler: async ({ core, principal, params, body }) =>
      toSessionDto(await core.endSession(principal, params.id, body.reason)),
  }),
]

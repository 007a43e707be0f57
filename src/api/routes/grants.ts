import { z } from 'zod'
import type { Core } from '../../core/index.ts'
import { credentialDto, grantDto, scopeStrings, toCredentialDto, toGrantDto } from '../dto.ts'
import { evidenceDto, toEvidenceDto } from '../evidence-dto.ts'
import { defineRoute } from '../route-spec.ts'
import { commaList, flag, idParams, limit } from './query.ts'

const thresholdsDto = z.object({
  warn: z.number().int().optional(),
  hold: z.number().int().optional(),
  end: z.number().int().optional(),
})
const budgetDto = z
  .object({
    limits: z.object({
      rows: thresholdsDto.optional(),
      bytes: thresholdsDto.optional(),
      statements: thresholdsDto.optional(),
      tables: thresholdsDto.optional(),
    }),
    used: z.object({
      rows: z.number().int(),
      bytes: z.number().int(),
      statements: z.number().int(),
      tables: z.number().int(),
    }),
    crossed: z.array(z.string()).describe('thresholds crossed so far, as metric:level'),
  })
  .describe("the grant's exfiltration budget (policies[].budget) and what it used in this gateway process")

const GRANT_STATUSES = ['pending', 'active', 'ended', 'denied'] as const

const requestBody = z.strictObject({
  resource: z.string().min(1).describe('resource id, as `GET /v1/resources` lists it'),
  scope: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .optional()
    .describe('`verb:object` entries: a list, or one string separated by commas; absent with `plan`'),
  plan: z
    .string()
    .min(1)
    .max(256 * 1024)
    .optional()
    .describe(
      "the statements the task will run, in the resource's language: the grant asks for the least scope that covers them; the approver sees them; statements run outside them are flagged on the grant",
    ),
  task: z.string().trim().min(1).max(1000).describe('why: the task this access is for'),
  ttl: z
    .string()
    .regex(/^\d+(s|m|h|d)$/, 'expected a duration such as 90s, 15m, 2h or 1d')
    .optional()
    .describe('defaults to the configured default TTL; a TTL over the policy maxTtl is denied'),
  sessionBound: z.boolean().optional().describe('end the grant when its first session disconnects'),
})

const requestResult = z.object({
  grant: grantDto,
  credential: credentialDto.optional().describe('present when the grant became active in this call'),
  denial: z
    .object({
      reason: z.string(),
      allowed: z.array(z.string()).describe('the scope this principal may request on the resource'),
    })
    .optional()
    .describe('present when policy denied the request'),
  evidence: evidenceDto
    .optional()
    .describe(
      "granted or pending: the principal's similar earlier tasks and anomaly signals (the approver sees them)",
    ),
})

export const grantRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/grants',
    operationId: 'requestGrant',
    summary: 'Declare a task and request access for it',
    description:
      'Always 201 when the request was decided: the outcome is `grant.status`. `active`: granted at once, the ' +
      'credential is in the body (shown once). `pending`: an approver must decide (`grant.approvalId`); poll ' +
      'the grant, then `POST /v1/grants/{id}/credential`. `denied`: a policy denial is a value, not an HTTP ' +
      'error; `denial` says why and which scope the caller may request instead.',
    tag: 'grants',
    body: requestBody,
    responses: { 201: { description: 'the grant as decided', schema: requestResult } },
    handler: async ({ core, principal, body, reply }) => {
      const result = await core.requestGrant(principal, {
        resourceId: body.resource,
        ...(body.scope !== undefined
          ? { scope: Array.isArray(body.scope) ? body.scope.join(',') : body.scope }
          : {}),
        ...(body.plan !== undefined ? { plan: body.plan } : {}),
        task: body.task,
        ...(body.ttl ? { ttl: body.ttl } : {}),
        ...(body.sessionBound !== undefined ? { sessionBound: body.sessionBound } : {}),
      })
      reply.code(201)
      return {
        grant: toGrantDto(result.grant),
        ...(result.credential ? { credential: toCredentialDto(result.credential) } : {}),
        ...(result.grant.status === 'denied'
          ? {
              denial: {
                reason: result.grant.decisionReason ?? 'denied by policy',
                allowed: scopeStrings(result.allowed ?? []),
              },
            }
          : {}),
        ...(result.evidence ? { evidence: toEvidenceDto(result.evidence) } : {}),
      }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/grants/:id/evidence',
    operationId: 'getGrantEvidence',
    summary: "Evidence on a grant from recordings: the principal's similar earlier tasks and anomaly signals",
    tag: 'grants',
    params: idParams,
    responses: { 200: { description: 'the evidence', schema: evidenceDto } },
    handler: async ({ core, principal, params }) =>
      toEvidenceDto(await core.grantEvidence(principal, params.id)),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/grants',
    operationId: 'listGrants',
    summary: "The caller's grants (all principals' with `all=true`, for admins and approvers)",
    tag: 'grants',
    query: z.object({
      status: commaList(GRANT_STATUSES, 'only grants in these states'),
      resource: z.string().optional().describe('only grants on this resource'),
      all: flag.describe('every principal, not only the caller'),
      limit,
    }),
    responses: {
      200: { description: 'grants, newest first', schema: z.object({ grants: z.array(grantDto) }) },
    },
    handler: async ({ core, principal, query }) => {
      const filter: Parameters<Core['listGrants']>[1] = {}
      if (!query.all) filter.principalId = principal.id
      if (query.status) filter.status = query.status
      if (query.resource) filter.resourceId = query.resource
      if (query.limit) filter.limit = query.limit
      return { grants: (await core.listGrants(principal, filter)).map(toGrantDto) }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/grants/:id',
    operationId: 'getGrant',
    summary: 'One grant',
    tag: 'grants',
    params: idParams,
    responses: {
      200: {
        description: 'the grant; for one requested from a plan, the recorded statements not in the plan',
        schema: grantDto.extend({
          offPlan: z
            .object({
              count: z.number().int().describe('recorded statements not in the plan'),
              statements: z
                .array(
                  z.object({
                    sessionId: z.string(),
                    seq: z.number().int(),
                    text: z.string().describe('as recorded, at most 200 characters'),
                    outcome: z.string(),
                  }),
                )
                .describe('at most 50, newest session first'),
            })
            .optional(),
          budget: budgetDto.optional(),
        }),
      },
    },
    handler: async ({ core, principal, params }) => {
      const grant = toGrantDto(await core.getGrant(principal, params.id))
      const offPlan = await core.offPlanStatements(principal, params.id)
      const budget = await core.grantBudget(principal, params.id)
      return { ...grant, ...(offPlan ? { offPlan } : {}), ...(budget ? { budget } : {}) }
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/grants/:id/credential',
    operationId: 'issueCredential',
    summary:
      'Issue the active grant one more credential (earlier ones keep working; at most 20 per grant, oldest revoked first)',
    tag: 'grants',
    params: idParams,
    responses: { 200: { description: 'the credential, shown once', schema: credentialDto } },
    handler: async ({ core, principal, params }) =>
      toCredentialDto(await core.issueCredential(principal, params.id)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/grants/:id/end',
    operationId: 'endGrant',
    summary: 'End a grant because the task is done (its sessions are closed)',
    tag: 'grants',
    params: idParams,
    responses: { 200: { description: 'the ended grant', schema: grantDto } },
    handler: async ({ core, principal, params }) => toGrantDto(await core.endGrant(principal, params.id)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/grants/:id/revoke',
    operationId: 'revokeGrant',
    summary: "Revoke someone's grant (admins and approvers); its sessions are closed",
    tag: 'grants',
    params: idParams,
    body: z.strictObject({
      reason: z.string().trim().min(1).max(1000).describe('recorded in the audit log'),
    }),
    responses: { 200: { description: 'the revoked grant', schema: grantDto } },
    handler: async ({ core, principal, params, body }) =>
      toGrantDto(await core.revokeGrant(principal, params.id, body.reason)),
  }),
]

import { z } from 'zod'
import type { Core } from '../../core/index.ts'
import { approvalDto, toApprovalDto } from '../dto.ts'
import { defineRoute } from '../route-spec.ts'
import { commaList, idParams, limit } from './query.ts'

const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired'] as const

const decideRoute = (verdict: 'approve' | 'deny') =>
  defineRoute({
    method: 'POST',
    url: `/v1/approvals/:id/${verdict}`,
    operationId: `${verdict}Approval`,
    summary:
      verdict === 'approve'
        ? 'Approve a pending request (never your own)'
        : 'Deny a pending request, with a reason the requester can act on',
    tag: 'approvals',
    params: idParams,
    body:
      verdict === 'approve'
        ? z.strictObject({ reason: z.string().trim().max(1000).optional() })
        : z.strictObject({ reason: z.string().trim().min(1).max(1000).describe('shown to the requester') }),
    responses: { 200: { description: 'the decided approval', schema: approvalDto } },
    handler: async ({ core, principal, params, body }) =>
      toApprovalDto(await core.decideApproval(principal, params.id, verdict, body.reason || undefined)),
  })

export const approvalRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/approvals',
    operationId: 'listApprovals',
    summary: 'Approvals the caller may see (pending ones first of all)',
    tag: 'approvals',
    query: z.object({
      status: commaList(APPROVAL_STATUSES, 'only approvals in these states'),
      grantId: z.string().optional().describe('only the approvals of this grant'),
      limit,
    }),
    responses: { 200: { description: 'approvals', schema: z.object({ approvals: z.array(approvalDto) }) } },
    handler: async ({ core, principal, query }) => {
      const filter: Parameters<Core['listApprovals']>[1] = {}
      if (query.status) filter.status = query.status
      if (query.grantId) filter.grantId = query.grantId
      if (query.limit) filter.limit = query.limit
      return { approvals: (await core.listApprovals(principal, filter)).map(toApprovalDto) }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/approvals/:id',
    operationId: 'getApproval',
    summary: 'One approval',
    tag: 'approvals',
    params: idParams,
    responses: { 200: { description: 'the approval', schema: approvalDto } },
    handler: async ({ core, principal, params }) =>
      toApprovalDto(await core.getApproval(principal, params.id)),
  }),
  decideRoute('approve'),
  decideRoute('deny'),
]

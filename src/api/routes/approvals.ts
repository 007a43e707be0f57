import { z } from 'zod'
import type { Core } from '../../core/index.ts'
import { approvalView } from '../approval-view.ts'
import { approvalDto, toApprovalDto } from '../dto.ts'
import { defineRoute } from '../route-spec.ts'
import { commaList, idParams, limit } from './query.ts'

const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired', 'cancelled'] as const

// Every decision carries who (the caller), when (the server's clock) and why: the reason is required for
// both verdicts, so a missing or blank one is a 400 naming body.reason (core refuses it too).
const reasonRequired = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'required: say why you decide this way (recorded, and shown to the requester)'
        : 'expected a string',
  })
  .trim()
  .min(1, { error: 'must not be blank: say why you decide this way' })
  .max(1000)

const decideRoute = (verdict: 'approve' | 'deny') =>
  defineRoute({
    method: 'POST',
    url: `/v1/approvals/:id/${verdict}`,
    operationId: `${verdict}Approval`,
    summary:
      verdict === 'approve'
        ? 'Approve a pending request (never your own), saying why'
        : 'Deny a pending request, with a reason the requester can act on',
    tag: 'approvals',
    params: idParams,
    body: z.strictObject({
      reason: reasonRequired.describe(
        verdict === 'approve'
          ? 'why you approve; recorded with the decision and in the audit log'
          : 'why you deny; shown to the requester',
      ),
    }),
    responses: { 200: { description: 'the decided approval', schema: approvalDto } },
    handler: async ({ core, principal, params, body }) =>
      toApprovalDto(await core.decideApproval(principal, params.id, verdict, body.reason)),
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
      const approvals = await core.listApprovals(principal, filter)
      return { approvals: await Promise.all(approvals.map((a) => approvalView(core, a))) }
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
      approvalView(core, await core.getApproval(principal, params.id)),
  }),
  decideRoute('approve'),
  decideRoute('deny'),
]

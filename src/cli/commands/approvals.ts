// `taskgate approvals list`, `taskgate approve|deny ID --reason R` (approval ids). Every decision says why.
import type { ApprovalJson } from '../api-types.ts'
import { type Command, requireArgs } from '../command.ts'
import { printJson, printTable, relativeTime, truncate } from '../output.ts'
import { decideApproval, requireReason } from './grant.ts'

export const approvalsListCommand: Command = {
  name: 'approvals list',
  summary: 'pending approvals you may decide (all states with --all)',
  options: { all: { type: 'boolean', description: 'also approved, denied, expired and cancelled ones' } },
  async run(context) {
    requireArgs(context)
    const { approvals } = await context.api.get<{ approvals: ApprovalJson[] }>('/v1/approvals', {
      status: context.options.all ? undefined : 'pending',
    })
    if (context.json) return printJson(context.io, approvals)
    printTable(
      context.io,
      ['id', 'status', 'grant', 'requester', 'resource', 'asks', 'expires', 'task'],
      approvals.map((a) => [
        a.id,
        a.status,
        a.grantId,
        a.requesterName,
        a.resourceId,
        truncate(a.summary, 40),
        a.status === 'pending' ? relativeTime(a.expiresAt) : '-',
        truncate(a.task, 40),
      ]),
    )
  },
}

export const approveCommand: Command = {
  name: 'approve',
  params: 'APPROVAL_ID',
  summary: 'approve a pending request (never your own), saying why',
  options: {
    reason: {
      type: 'string',
      value: 'R',
      required: true,
      description: 'why you approve (recorded, audited)',
    },
  },
  run(context) {
    const [id] = requireArgs(context, 'APPROVAL_ID')
    return decideApproval(context, id!, 'approve', requireReason(context, 'approve'))
  },
}

export const denyCommand: Command = {
  name: 'deny',
  params: 'APPROVAL_ID',
  summary: 'deny a pending request with a reason the requester can act on',
  options: { reason: { type: 'string', value: 'R', required: true, description: 'why, for the requester' } },
  run(context) {
    const [id] = requireArgs(context, 'APPROVAL_ID')
    return decideApproval(context, id!, 'deny', requireReason(context, 'deny'))
  },
}

import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import { activateGrant } from '../grants/activate-grant.ts'
import { grantStateText } from '../grants/grant-not-active.ts'
import type { Principal } from '../identity/principal.ts'
import type { Approval } from './approval.ts'
import { cancelPendingApprovals } from './cancel-pending-approvals.ts'

/**
 * An approver's verdict. Every decision carries who, when and why: a missing or blank reason is refused
 * before anything else is checked. Nobody approves their own request; the first decision wins.
 */
export async function decideApproval(
  ctx: CoreContext,
  actor: Principal,
  id: string,
  verdict: 'approve' | 'deny',
  reason: string,
): Promise<Approval> {
  const why = typeof reason === 'string' ? reason.trim() : ''
  if (why === '') {
    throw new TaskgateError('TG_APPROVAL_REASON_REQUIRED', {
      message: `Say why you ${verdict} approval ${id}: every decision is recorded with its reason.`,
    })
  }
  const approval = await ctx.store.approvals.get(id)
  if (!approval) throw new TaskgateError('TG_NOT_FOUND', { message: `No approval ${id}.` })
  if (approval.requesterId === actor.id || samePerson(approval.requesterName, actor)) {
    throw new TaskgateError('TG_SELF_APPROVAL')
  }
  if (!ctx.isAdmin(actor) && !approval.approverGroups.some((g) => actor.groups.includes(g))) {
    throw new TaskgateError('TG_FORBIDDEN', {
      message: `Only members of ${approval.approverGroups.join(', ')} may decide approval ${id}.`,
    })
  }
  if (approval.status === 'cancelled') throw cancelledConflict(approval)
  if (approval.status !== 'pending') {
    throw new TaskgateError('TG_CONFLICT', { message: `Approval ${id} is already ${approval.status}.` })
  }
  // A grant request whose grant ended meanwhile (withdrawn, revoked; or left pending by a gateway that did
  // not yet close approvals at grant end): close it now rather than "approve" a grant nobody can use.
  const grant = approval.subject === 'grant' ? await ctx.store.grants.get(approval.grantId) : undefined
  if (grant && grant.status !== 'pending') {
    const why = `the grant ${grant.id} is ${grantStateText(grant, ctx.clock.now())}`
    const [closed] = await cancelPendingApprovals(ctx, grant.id, { id: 'system', name: 'taskgate' }, why)
    throw cancelledConflict(closed ?? (await ctx.store.approvals.get(id)) ?? approval)
  }
  const now = ctx.clock.now()
  if (approval.expiresAt.getTime() <= now.getTime()) {
    throw new TaskgateError('TG_CONFLICT', {
      message: `Approval ${id} has expired; the requester must ask again.`,
    })
  }
  const status = verdict === 'approve' ? 'approved' : 'denied'
  if (!(await ctx.store.approvals.decide(id, status, now, { id: actor.id, name: actor.name, reason: why }))) {
    throw new TaskgateError('TG_CONFLICT', { message: `Approval ${id} was decided by someone else first.` })
  }
  await ctx.audit({
    type: `approval.${status}`,
    actor: actor.id,
    subject: id,
    data: { grant: approval.grantId, reason: why },
  })
  if (approval.subject === 'grant') await applyToGrant(ctx, approval, actor, verdict, why)
  await ctx.store.publish('approval_changed', id)
  const decided: Approval = {
    ...approval,
    status,
    decidedAt: now,
    decidedBy: actor.id,
    decidedByName: actor.name,
    decisionReason: why,
  }
  ctx.notify(`approval.${status}`, decided)
  return decided
}

/**
 * One person reaches the gateway under several principal ids (OIDC `oidc:<sub>`, each SAML provider's
 * `saml:<id>:<NameID>`, a Slack approver entry): the same e-mail is the same person, so signing in through
 * another IdP does not make one's own request someone else's.
 */
function samePerson(requesterName: string, actor: Principal): boolean {
  return (
    actor.kind === 'person' &&
    actor.name.includes('@') &&
    requesterName.toLowerCase() === actor.name.toLowerCase()
  )
}

function cancelledConflict(approval: Approval): TaskgateError {
  return new TaskgateError('TG_APPROVAL_CANCELLED', {
    message: `Approval ${approval.id} was cancelled${approval.decisionReason ? ` (${approval.decisionReason})` : ''}; there is nothing left to decide.`,
  })
}

async function applyToGrant(
  ctx: CoreContext,
  approval: Approval,
  actor: Principal,
  verdict: 'approve' | 'deny',
  reason: string,
) {
  const grant = await ctx.store.grants.get(approval.grantId)
  if (grant?.status !== 'pending') return
  if (verdict === 'approve') {
    await activateGrant(ctx, grant, actor.id, `approved by ${actor.name}: ${reason}`)
    await ctx.audit({
      type: 'grant.approved',
      actor: actor.id,
      subject: grant.id,
      data: { approval: approval.id, reason },
    })
    return
  }
  await ctx.store.grants.deny(grant.id, ctx.clock.now(), actor.id, `denied by ${actor.name}: ${reason}`)
  await ctx.audit({
    type: 'grant.denied',
    actor: actor.id,
    subject: grant.id,
    data: { approval: approval.id, reason },
  })
  await ctx.store.publish('grant_changed', grant.id)
}

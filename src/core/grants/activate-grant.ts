import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Grant } from './grant.ts'

/**
 * Pending -> active: provisions the target (ephemeral role, one per grant whatever its credentials), audits.
 * Issues no credential: whoever will use the grant asks for one (requestGrant for an auto-approved grant).
 */
export async function activateGrant(
  ctx: CoreContext,
  grant: Grant,
  decidedBy: string,
  reason: string,
): Promise<{ grant: Grant }> {
  const now = ctx.clock.now()
  const expiresAt = new Date(now.getTime() + grant.ttlSeconds * 1000)
  const active: Grant = {
    ...grant,
    status: 'active',
    activatedAt: now,
    expiresAt,
    decidedBy,
    decisionReason: reason,
  }
  const provisioner = ctx.provisioners.get(grant.resourceId)
  if (provisioner) {
    try {
      await provisioner.provision(active)
    } catch (error) {
      throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
        message: `The target "${grant.resourceId}" could not prepare access for this grant; try again later or ask its owner.`,
        detail: String(error),
        cause: error,
      })
    }
  }
  if (!(await ctx.store.grants.activate(grant.id, now, expiresAt, decidedBy, reason))) {
    await provisioner?.deprovision(active).catch(() => {})
    throw new TaskgateError('TG_CONFLICT', { message: `Grant ${grant.id} is no longer pending.` })
  }
  await ctx.audit({
    type: 'grant.issued',
    actor: decidedBy,
    subject: grant.id,
    data: { resource: grant.resourceId, expiresAt: expiresAt.toISOString(), reason },
  })
  await ctx.store.publish('grant_changed', grant.id)
  return { grant: active }
}

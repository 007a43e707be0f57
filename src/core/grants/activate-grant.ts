import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import { endGrant } from './end-grant.ts'
import type { Grant } from './grant.ts'

/** Waits before each further attempt at preparing the target: a restart or a brief network loss passes. */
const PROVISION_RETRY_DELAYS_MS = [250, 1_000]

async function withRetries(attempt: () => Promise<void>): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      return await attempt()
    } catch (error) {
      const delay = PROVISION_RETRY_DELAYS_MS[i]
      if (delay === undefined) throw error
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}

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
      await withRetries(() => provisioner.provision(active))
    } catch (error) {
      // The requester hears an error, so the grant must not stay pending (nothing would ever decide it) nor
      // become active: it is cancelled, and whatever a half-done attempt created on the target goes (now, or
      // by the reconcile once the target is back).
      await endGrant(ctx, grant, 'cancelled', 'system', 'the target could not prepare access for it')
      await provisioner.deprovision(active).catch(() => {})
      throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
        message: `The target "${grant.resourceId}" could not prepare access for grant ${grant.id}, so it was cancelled; request it again later or ask the target's owner.`,
        detail: String(error),
        cause: error,
      })
    }
  }
  if (!(await ctx.store.grants.activate(grant.id, now, expiresAt, decidedBy, reason))) {
    await provisioner?.deprovision(active).catch(() => {})
    throw new TaskgateError('TG_CONFLICT', { message: `Grant ${grant.id} is no longer pending.` })
  }
  try {
    await ctx.audit({
      type: 'grant.issued',
      actor: decidedBy,
      subject: grant.id,
      data: { resource: grant.resourceId, expiresAt: expiresAt.toISOString(), reason },
    })
    await ctx.store.publish('grant_changed', grant.id)
  } catch (error) {
    // The caller hears an error: the grant must not stay active behind it, unaudited.
    await endGrant(ctx, active, 'cancelled', 'system', 'its activation could not be recorded').catch(() => {})
    throw error
  }
  return { grant: active }
}

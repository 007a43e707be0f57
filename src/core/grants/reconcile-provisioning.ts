// Provisioning is reconciled, not trusted to have happened once: every RECONCILE_INTERVAL_MS each process
// (1) cancels pending grants that nothing will ever decide (no pending approval left, e.g. a crash between an
// approval and the activation it started), and (2) asks each resource's provisioner which grants still hold
// target access and removes it for those that ended or were denied (an end while the target was down, a
// failed activation that had created its role). Every step is idempotent, so processes sharing a store may
// run it at once.
import type { CoreContext } from '../core-context.ts'
import { endGrant } from './end-grant.ts'

const RECONCILE_INTERVAL_MS = 30_000
/** A pending grant without a pending approval for this long is stuck (activation takes seconds). */
const STUCK_AFTER_MS = 120_000
const PENDING_PER_PASS = 1_000

export function startProvisioningReconciler(
  ctx: CoreContext,
  intervalMs = RECONCILE_INTERVAL_MS,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined
  const timer = setInterval(() => {
    running ??= reconcileProvisioning(ctx)
      .catch((error: unknown) => ctx.logger.error({ err: error }, 'provisioning reconcile failed'))
      .finally(() => {
        running = undefined
      })
  }, intervalMs)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}

export async function reconcileProvisioning(ctx: CoreContext): Promise<void> {
  const now = ctx.clock.now()
  for (const grant of await ctx.store.grants.list({ status: ['pending'], limit: PENDING_PER_PASS })) {
    if (now.getTime() - grant.requestedAt.getTime() < STUCK_AFTER_MS) continue
    const waiting = await ctx.store.approvals.list({ grantId: grant.id, status: ['pending'], limit: 1 })
    if (waiting.length > 0) continue
    await endGrant(ctx, grant, 'cancelled', 'system', 'its activation did not complete; request it again')
  }
  for (const [resourceId, provisioner] of ctx.provisioners) {
    if (!provisioner.provisionedGrantIds) continue
    let ids: string[]
    try {
      ids = await provisioner.provisionedGrantIds()
    } catch (error) {
      ctx.logger.warn({ err: error, resource: resourceId }, 'cannot list the target access to reconcile it')
      continue
    }
    for (const id of ids) {
      const grant = await ctx.store.grants.get(id)
      // A grant this store does not know is not ours to touch (another deployment may share the target).
      if (grant?.resourceId !== resourceId || (grant.status !== 'ended' && grant.status !== 'denied'))
        continue
      try {
        await provisioner.deprovision(grant)
        ctx.logger.info({ grant: id, resource: resourceId }, 'removed the target access of an ended grant')
      } catch (error) {
        ctx.logger.warn({ err: error, grant: id }, 'could not remove the target access of an ended grant yet')
      }
    }
  }
}

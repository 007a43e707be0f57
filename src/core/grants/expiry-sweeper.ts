import type { Approval } from '../approvals/approval.ts'
import type { CoreContext } from '../core-context.ts'
import { approvalAttributes, grantAttributes } from '../metrics/trace-attributes.ts'
import { endGrant } from './end-grant.ts'

/**
 * How long an expired credential is remembered: a login with it within that time is told its grant ended
 * and why (end-grant.ts); after it, only "password authentication failed". Bounds the table by the grants
 * of the last day, whatever their TTLs were.
 */
export const ENDED_CREDENTIALS_KEPT_MS = 24 * 60 * 60 * 1000
/** The purge scans the credentials table (no index on expiry): once a minute, not every tick. */
const CREDENTIAL_PURGE_EVERY_MS = 60_000

/**
 * Every tick: ends grants past their window, closes local sessions of grants another process ended, and
 * expires approvals nobody decided. A tick is cheap (indexed queries) and keeps "closed within 1 s" true
 * across processes without relying on notifications alone.
 */
export function startExpirySweeper(ctx: CoreContext, intervalMs = 250): { stop(): Promise<void> } {
  let running: Promise<void> | undefined
  let credentialsPurgedAt = 0
  const tick = async () => {
    const now = ctx.clock.now()
    if (now.getTime() - credentialsPurgedAt >= CREDENTIAL_PURGE_EVERY_MS) {
      credentialsPurgedAt = now.getTime()
      await ctx.store.credentials.deleteExpiredBefore(new Date(now.getTime() - ENDED_CREDENTIALS_KEPT_MS))
    }
    for (const grant of await ctx.store.grants.listExpired(now)) {
      await ctx.tracer.span('taskgate.grant.expire', grantAttributes(grant), async (span) => {
        await endGrant(ctx, grant, 'expired', 'system')
        span.set({ 'taskgate.outcome': 'expired' })
      })
    }
    const liveIds = ctx.live.grantIds()
    if (liveIds.length > 0) {
      for (const id of await ctx.store.grants.findNotLive(liveIds, now)) {
        const grant = await ctx.store.grants.get(id)
        ctx.live.closeGrant(
          id,
          grant?.endReason ? `the grant ended (${grant.endReason})` : 'the grant is no longer active',
        )
      }
    }
    for (const approval of await ctx.store.approvals.list({ status: ['pending'] })) {
      if (approval.expiresAt.getTime() > now.getTime()) continue
      await ctx.tracer.span('taskgate.approval.expire', approvalAttributes(approval), async (span) => {
        if (!(await ctx.store.approvals.decide(approval.id, 'expired', now))) {
          span.set({ 'taskgate.outcome': 'decided-elsewhere' })
          return
        }
        await expireApproval(ctx, approval)
        span.set({ 'taskgate.outcome': 'expired' })
      })
    }
  }
  // With the store down every tick fails: log when that starts and when it ends, not four times a second.
  let failing = false
  const timer = setInterval(() => {
    if (running) return
    running = tick()
      .then(
        () => {
          if (failing) ctx.logger.info('grant expiry sweep works again')
          failing = false
        },
        (error: unknown) => {
          if (!failing) ctx.logger.error({ err: error }, 'grant expiry sweep failed')
          failing = true
        },
      )
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

/** An approval nobody decided in time, once marked expired: audited, announced, and a grant request that
 * waited on it is cancelled. */
async function expireApproval(ctx: CoreContext, approval: Approval): Promise<void> {
  await ctx.audit({
    type: 'approval.expired',
    actor: 'system',
    subject: approval.id,
    data: { grant: approval.grantId },
  })
  await ctx.store.publish('approval_changed', approval.id)
  ctx.notify('approval.expired', { ...approval, status: 'expired' })
  if (approval.subject === 'grant') {
    const grant = await ctx.store.grants.get(approval.grantId)
    if (grant?.status === 'pending')
      await endGrant(ctx, grant, 'cancelled', 'system', 'no approver decided in time')
  }
}

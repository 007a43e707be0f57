// Retention now (administrators; the gateway also runs it every retention.interval), and legal holds that
// keep a session's recording from it.

import { pruneAudit } from '../audit/prune-audit.ts'
import type { RetentionResult } from '../audit/retention-result.ts'
import { requireAdmin } from '../authorize.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import { parseDurationSeconds } from '../grants/duration.ts'
import type { Principal } from '../identity/principal.ts'
import { pruneRecordings } from './prune-recordings.ts'

export async function runRetention(
  ctx: CoreContext,
  checkpointKey: string | undefined,
  actor: Principal,
): Promise<RetentionResult> {
  requireAdmin(ctx, actor)
  const recordings = await pruneRecordings(ctx, actor.id)
  const policy = ctx.config.retention.audit
  if (!policy || !checkpointKey) return { audit: { pruned: 0 }, recordings }
  const audit = await pruneAudit(ctx, {
    maxAgeSeconds: parseDurationSeconds(policy.maxAge),
    key: checkpointKey,
    sinkIds: ctx.config.audit.sinks.map((s) => s.id),
    actor: actor.id,
  })
  return { audit, recordings }
}

export async function holdSession(ctx: CoreContext, actor: Principal, sessionId: string, reason: string) {
  requireAdmin(ctx, actor)
  const placed = await ctx.store.recordings.hold({
    sessionId,
    reason,
    heldBy: actor.id,
    heldAt: ctx.clock.now(),
  })
  if (!placed) throw new TaskgateError('TG_NOT_FOUND', { message: `No session ${sessionId}.` })
  await ctx.audit({ type: 'legal_hold.placed', actor: actor.id, subject: sessionId, data: { reason } })
}

export async function releaseSession(ctx: CoreContext, actor: Principal, sessionId: string) {
  requireAdmin(ctx, actor)
  if (!(await ctx.store.recordings.release(sessionId)))
    throw new TaskgateError('TG_NOT_FOUND', { message: `Session ${sessionId} has no legal hold.` })
  await ctx.audit({ type: 'legal_hold.released', actor: actor.id, subject: sessionId })
}

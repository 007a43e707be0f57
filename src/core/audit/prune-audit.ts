// Audit retention: removes the entries older than maxAge, leaving a signed checkpoint of the last one
// removed so the rest still verifies. It checks the chain it is about to remove first (a checkpoint must not
// vouch for a tampered head), never removes what an export sink has not received yet, and is audited.
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import { checkpointIsAuthentic, signCheckpoint } from './audit-checkpoint.ts'
import { verifyChain } from './verify-chain.ts'

export interface AuditPruneResult {
  pruned: number
  /** seq of the last entry removed (the checkpoint), when any were. */
  throughSeq?: number
}

export async function pruneAudit(
  ctx: CoreContext,
  options: { maxAgeSeconds: number; key: string; sinkIds: readonly string[]; actor: string },
): Promise<AuditPruneResult> {
  const { store, clock } = ctx
  const now = clock.now()
  const previous = await store.audit.checkpoint()
  if (previous && !checkpointIsAuthentic(options.key, previous))
    throw new TaskgateError('TG_AUDIT_CHAIN_BROKEN', {
      message: 'The audit retention checkpoint does not match its signature; nothing was pruned.',
    })
  const cutoff = new Date(now.getTime() - options.maxAgeSeconds * 1000)
  const [newestOld] = await store.audit.list({ until: cutoff, descending: true, limit: 1 })
  let throughSeq = newestOld?.seq ?? 0
  for (const sinkId of options.sinkIds)
    throughSeq = Math.min(throughSeq, await store.auditSinks.cursor(sinkId))
  if (throughSeq <= (previous?.seq ?? 0)) return { pruned: 0 }

  const doomed = (await store.audit.list({ afterSeq: previous?.seq ?? 0 })).filter((e) => e.seq <= throughSeq)
  const chain = verifyChain(doomed, previous ? { seq: previous.seq, hash: previous.hash } : undefined)
  const last = doomed.at(-1)
  if (!chain.ok || !last || last.seq !== throughSeq)
    throw new TaskgateError('TG_AUDIT_CHAIN_BROKEN', {
      message: `The audit log does not verify up to seq ${throughSeq} (${chain.problem ?? 'entries missing'}); nothing was pruned.`,
    })
  const checkpoint = signCheckpoint(options.key, { seq: last.seq, hash: last.hash, at: now })
  const pruned = await store.audit.prune(checkpoint)
  await ctx.audit({
    type: 'retention.pruned',
    actor: options.actor,
    data: { what: 'audit', entries: pruned, throughSeq: last.seq, checkpointHash: last.hash },
  })
  return { pruned, throughSeq: last.seq }
}

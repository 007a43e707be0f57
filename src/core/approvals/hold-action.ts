import { createHash } from 'node:crypto'
import type { CoreContext } from '../core-context.ts'
import { parseDurationSeconds } from '../grants/duration.ts'
import { newId } from '../ids.ts'
import type { Action } from '../policy/action.ts'
import { ALLOW, type Decision } from '../policy/decision.ts'
import type { SessionHandle } from '../sessions/session-handle.ts'
import type { Approval } from './approval.ts'
import type { HeldAction } from './held-action.ts'

const POLL_MS = 1000

/** sha256 over the statement text and its parameters: an approval applies to exactly this statement. */
export function actionDigest(text: string, parameters: readonly (string | null)[] = []): string {
  const h = createHash('sha256').update(text)
  for (const p of parameters) h.update(p === null ? '\u0000null' : `\u0000${p.length}:${p}`)
  return h.digest('hex')
}

/**
 * Holds an action for a human: stores an Approval bound to the action's digest, notifies approvers, and
 * returns a waiter. The waiter resolves allow (approved, and consumed once), or deny on denial, timeout,
 * cancellation or the grant ending. Approvals given in another gateway process arrive through the store's
 * notifications, with polling as a fallback. `onApproved` sees the approval that allowed the action, before
 * the waiter resolves (so before the protocol runs and records the action).
 */
export async function holdAction(
  ctx: CoreContext,
  session: SessionHandle,
  decision: Extract<Decision, { outcome: 'approve-first' }>,
  action: Action,
  digest: string,
  approverGroups: string[],
  onApproved?: (approval: Approval) => void,
): Promise<HeldAction> {
  const now = ctx.clock.now()
  const grant = session.grant
  const approval: Approval = {
    id: newId('a'),
    subject: 'action',
    grantId: grant.id,
    requesterId: grant.principalId,
    requesterName: grant.principalName,
    resourceId: session.resource.id,
    task: grant.task,
    summary: action.text.slice(0, 10_000),
    digest,
    sessionId: session.id,
    ...(action.estimatedRows !== undefined ? { estimatedRows: action.estimatedRows } : {}),
    rule: decision.rule,
    reason: decision.reason,
    approverGroups,
    status: 'pending',
    createdAt: now,
    expiresAt: new Date(now.getTime() + parseDurationSeconds(ctx.config.approvals.actionTimeout) * 1000),
  }
  await ctx.store.approvals.insert(approval)
  await ctx.audit({
    type: 'action.held',
    actor: grant.principalId,
    subject: approval.id,
    data: { session: session.id, rule: decision.rule, text: approval.summary.slice(0, 2000) },
  })
  await ctx.audit({
    type: 'approval.requested',
    actor: grant.principalId,
    subject: approval.id,
    data: { grant: grant.id, approverGroups },
  })
  await ctx.store.publish('approval_changed', approval.id)
  ctx.notify('approval.requested', approval)
  return {
    approvalId: approval.id,
    expiresAt: approval.expiresAt,
    wait: (signal) => waitForVerdict(ctx, approval, digest, signal, onApproved),
  }
}

/** `executionDigest` is the digest of the statement that runs when the waiter resolves allow. */
function waitForVerdict(
  ctx: CoreContext,
  held: Approval,
  executionDigest: string,
  signal?: AbortSignal,
  onApproved?: (approval: Approval) => void,
): Promise<Decision> {
  return new Promise<Decision>((resolve) => {
    let done = false
    let checking = false
    const finish = (decision: Decision) => {
      if (done) return
      done = true
      unsubscribe()
      clearInterval(poll)
      clearTimeout(timeout)
      signal?.removeEventListener('abort', onAbort)
      resolve(decision)
    }
    const check = async () => {
      if (done || checking) return
      checking = true
      try {
        const current = await ctx.store.approvals.get(held.id)
        if (!current || current.status === 'pending') return
        if (current.status === 'approved') {
          const first = await consumeApproval(ctx, held.id, executionDigest)
          if (first && !done) onApproved?.(current)
          finish(first ? ALLOW : deny('TG_APPROVAL_DENIED', await whyNotConsumed(ctx, held.id)))
        } else if (current.status === 'denied') {
          finish(
            deny(
              'TG_APPROVAL_DENIED',
              `Denied by ${current.decidedByName ?? 'an approver'}${current.decisionReason ? `: ${current.decisionReason}` : ''}.`,
            ),
          )
        } else if (current.status === 'cancelled') {
          finish(
            deny(
              'TG_GRANT_NOT_ACTIVE',
              `The grant ended while the statement waited (${current.decisionReason ?? 'cancelled'}); it was not run.`,
            ),
          )
        } else {
          finish(
            deny(
              'TG_APPROVAL_TIMEOUT',
              `No approver decided within ${ctx.config.approvals.actionTimeout}; the statement was not run.`,
            ),
          )
        }
      } catch (error) {
        ctx.logger.error({ err: error, approval: held.id }, 'could not read a held approval')
      } finally {
        checking = false
      }
    }
    const expire = async () => {
      if (await ctx.store.approvals.decide(held.id, 'expired', ctx.clock.now())) {
        await ctx.audit({
          type: 'approval.expired',
          actor: 'system',
          subject: held.id,
          data: { grant: held.grantId },
        })
        await ctx.store.publish('approval_changed', held.id)
        ctx.notify('approval.expired', { ...held, status: 'expired' })
      }
      await check()
    }
    const onAbort = () => {
      void expire()
    }
    const unsubscribe = ctx.store.subscribe('approval_changed', (id) => {
      if (id === held.id) void check()
    })
    const poll = setInterval(() => void check(), POLL_MS)
    const timeout = setTimeout(
      () => void expire(),
      Math.max(0, held.expiresAt.getTime() - ctx.clock.now().getTime()),
    )
    signal?.addEventListener('abort', onAbort, { once: true })
    void check()
  })
}

/**
 * Uses an approved action approval for one execution. The store consumes it in one guarded write only when
 * `executionDigest` (the statement text and bound parameters about to run, see actionDigest) equals the
 * digest the approval was granted for, and only once: a second waiter, a replay, or another statement or
 * other parameter values find it refused.
 */
function consumeApproval(ctx: CoreContext, approvalId: string, executionDigest: string): Promise<boolean> {
  return ctx.store.approvals.consume(approvalId, executionDigest, ctx.clock.now())
}

async function whyNotConsumed(ctx: CoreContext, approvalId: string): Promise<string> {
  const current = await ctx.store.approvals.get(approvalId)
  return current?.consumedAt
    ? 'This approval was already used; an approval applies to one statement once.'
    : 'This approval was granted for another statement or other parameter values; it does not cover this one.'
}

function deny(
  code: 'TG_APPROVAL_DENIED' | 'TG_APPROVAL_TIMEOUT' | 'TG_GRANT_NOT_ACTIVE',
  reason: string,
): Decision {
  return { outcome: 'deny', code, rule: 'approval', reason }
}

import type { AuditEntry } from './events.ts'
import { type ChainVerification, verifyChain } from './verify-chain.ts'

/** seq and hash of one entry: the store's recorded chain head, or one an operator noted down earlier. */
export interface ChainHead {
  seq: number
  hash: string
}

export interface AuditLogVerification extends ChainVerification {
  /** The newest entry, when the log verified: note it to check later that nothing before it changed. */
  head?: ChainHead
}

/**
 * The chain alone cannot show that its newest entries were removed: what is left still links. So the
 * log must also reach the head the store recorded with the last append, and, when an operator kept one
 * elsewhere, contain that earlier head unchanged (which also catches a rewrite of the recorded head).
 */
export function verifyAuditLog(
  entries: readonly AuditEntry[],
  recordedHead: ChainHead | undefined,
  anchor?: ChainHead,
  /** The authenticated checkpoint of the last pruning: the chain starts after it. */
  start?: ChainHead,
): AuditLogVerification {
  const chain = verifyChain(entries, start)
  if (!chain.ok) return chain
  const count = entries.length
  const last = entries.at(-1)
  const lastSeq = last?.seq ?? start?.seq ?? 0
  const broken = (brokenAt: number, problem: string): AuditLogVerification => ({
    ok: false,
    entries: count,
    brokenAt,
    problem,
  })
  if (!recordedHead) {
    if (last || start)
      return broken(lastSeq, 'the log has entries but no recorded chain head (the head was removed)')
  } else if (lastSeq < recordedHead.seq) {
    return broken(
      lastSeq + 1,
      `the log ends at seq ${lastSeq} but the recorded chain head is seq ${recordedHead.seq}: the newest entries were removed`,
    )
  } else if (lastSeq > recordedHead.seq) {
    return broken(
      recordedHead.seq + 1,
      `entries after the recorded chain head (seq ${recordedHead.seq}) were written outside the gateway`,
    )
  } else if ((last?.hash ?? start?.hash) !== recordedHead.hash) {
    return broken(lastSeq, 'the newest entry does not match the recorded chain head (entry replaced)')
  }
  // An anchor at or before the checkpoint was pruned: only the checkpoint itself can still be compared.
  if (anchor && start && anchor.seq <= start.seq) {
    if (anchor.seq === start.seq && anchor.hash !== start.hash)
      return broken(anchor.seq, `the checkpoint does not match the anchor hash at seq ${anchor.seq}`)
  } else if (anchor) {
    const kept = entries[anchor.seq - (start?.seq ?? 0) - 1]
    if (!kept) {
      return broken(
        lastSeq + 1,
        `the log ends at seq ${lastSeq}, before the anchor seq ${anchor.seq}: entries were removed`,
      )
    }
    if (kept.hash !== anchor.hash) {
      return broken(anchor.seq, `entry ${anchor.seq} does not match the anchor hash (the log was rewritten)`)
    }
  }
  const head = last ?? start
  return { ...chain, ...(head ? { head: { seq: head.seq, hash: head.hash } } : {}) }
}

import type { AuditEntry } from './events.ts'
import { GENESIS_HASH, hashEntry } from './hash-chain.ts'

export interface ChainVerification {
  ok: boolean
  entries: number
  /** seq of the first entry that fails. */
  brokenAt?: number
  problem?: string
}

/** Checks seq continuity, each prevHash link and each entry's own hash; catches change, removal, reorder. */
export function verifyChain(
  entries: Iterable<AuditEntry>,
  start = { seq: 0, hash: GENESIS_HASH },
): ChainVerification {
  let expectedSeq = start.seq + 1
  let prevHash = start.hash
  let count = 0
  for (const entry of entries) {
    count++
    if (entry.seq !== expectedSeq) {
      return {
        ok: false,
        entries: count,
        brokenAt: entry.seq,
        problem: `expected seq ${expectedSeq}, found ${entry.seq} (entry removed or reordered)`,
      }
    }
    if (entry.prevHash !== prevHash) {
      return {
        ok: false,
        entries: count,
        brokenAt: entry.seq,
        problem: 'prevHash does not link to the previous entry',
      }
    }
    if (hashEntry(entry) !== entry.hash) {
      return {
        ok: false,
        entries: count,
        brokenAt: entry.seq,
        problem: 'entry content does not match its hash (entry changed)',
      }
    }
    prevHash = entry.hash
    expectedSeq++
  }
  return { ok: true, entries: count }
}

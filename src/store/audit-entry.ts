// Shared by both backends so an entry is built (and hashed) the same way whichever store holds it.
import type { AuditEntry, AuditEventInput } from '../core/audit/events.ts'

/** prevHash of the first entry of a chain. */
export const GENESIS_HASH = '0'.repeat(64)

/**
 * The entry to hash and store. `data` goes through JSON once so the value that is hashed is exactly
 * the value a later read returns (undefined members dropped, Dates as strings); otherwise a
 * verification of the stored log could fail on an entry nobody changed.
 */
export function buildAuditEntry(
  event: AuditEventInput,
  seq: number,
  at: Date,
  prevHash: string,
): Omit<AuditEntry, 'hash'> {
  const entry: Omit<AuditEntry, 'hash'> = {
    seq,
    at: new Date(at.getTime()),
    type: event.type,
    actor: event.actor,
    prevHash,
  }
  if (event.subject !== undefined) entry.subject = event.subject
  if (event.data !== undefined) entry.data = JSON.parse(JSON.stringify(event.data)) as Record<string, unknown>
  return entry
}

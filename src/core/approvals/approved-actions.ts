// Held actions approved and not yet recorded, per session. The protocol records a statement when it
// completes (recordAction), knowing nothing of the approval; core attaches the approval to that record.
import type { Approval } from './approval.ts'

interface ApprovedAction {
  text: string
  approvalId: string
  approvedBy: string | undefined
  approvedByName: string | undefined
}

export interface ApprovalOfRecord {
  approvalId: string
  approvedBy?: string
  approvedByName?: string
}

export class ApprovedActions {
  readonly #bySession = new Map<string, ApprovedAction[]>()

  add(sessionId: string, text: string, approval: Approval): void {
    const approved = this.#bySession.get(sessionId) ?? []
    approved.push({
      text,
      approvalId: approval.id,
      approvedBy: approval.decidedBy,
      approvedByName: approval.decidedByName,
    })
    this.#bySession.set(sessionId, approved)
  }

  /** The approval that let this statement run, consumed by its record. A protocol may show the approver
   * more than it records (PostgreSQL adds a prepared statement's parameters on lines after the text). */
  take(sessionId: string, text: string): ApprovalOfRecord | undefined {
    const approved = this.#bySession.get(sessionId)
    if (!approved) return undefined
    const i = approved.findIndex((a) => a.text === text || a.text.startsWith(`${text}\n`))
    if (i < 0) return undefined
    const [{ approvalId, approvedBy, approvedByName }] = approved.splice(i, 1) as [ApprovedAction]
    if (approved.length === 0) this.#bySession.delete(sessionId)
    return {
      approvalId,
      ...(approvedBy !== undefined ? { approvedBy } : {}),
      ...(approvedByName !== undefined ? { approvedByName } : {}),
    }
  }

  forget(sessionId: string): void {
    this.#bySession.delete(sessionId)
  }
}

import type { Approval } from '../../core/approvals/approval.ts'
import type { ApprovalFilter, ApprovalStore } from '../store.ts'
import type { PgDatabase } from './database.ts'
import { int, orNull, withOptional } from './values.ts'

interface ApprovalRow {
  id: string
  subject: Approval['subject']
  grant_id: string
  requester_id: string
  requester_name: string
  resource_id: string
  task: string
  summary: string
  digest: string | null
  rule: string
  reason: string
  approver_groups: string[]
  status: Approval['status']
  created_at: Date
  expires_at: Date
  decided_at: Date | null
  decided_by: string | null
  decided_by_name: string | null
  decision_reason: string | null
  consumed_at: Date | null
  estimated_rows: string | null
  session_id: string | null
}

const INSERT = `INSERT INTO taskgate.approvals (id, subject, grant_id, requester_id, requester_name, resource_id, task,
  summary, digest, rule, reason, approver_groups, status, created_at, expires_at, decided_at, decided_by,
  decided_by_name, decision_reason, consumed_at, estimated_rows, session_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`
// Guarded by status: of two racing approvers the row lock lets one update; the other re-checks the
// WHERE clause after it commits, matches nothing and learns it lost.
const DECIDE = `UPDATE taskgate.approvals SET status = $1, decided_at = $2, decided_by = $3, decided_by_name = $4,
  decision_reason = $5 WHERE id = $6 AND status = 'pending'`
const CONSUME = `UPDATE taskgate.approvals SET consumed_at = $1
  WHERE id = $2 AND digest = $3 AND status = 'approved' AND consumed_at IS NULL`

export function createApprovalStore(db: PgDatabase): ApprovalStore {
  return {
    async insert(a) {
      await db.query({
        name: 'tg.approvals.insert',
        text: INSERT,
        values: [
          a.id,
          a.subject,
          a.grantId,
          a.requesterId,
          a.requesterName,
          a.resourceId,
          a.task,
          a.summary,
          orNull(a.digest),
          a.rule,
          a.reason,
          JSON.stringify(a.approverGroups),
          a.status,
          a.createdAt,
          a.expiresAt,
          orNull(a.decidedAt),
          orNull(a.decidedBy),
          orNull(a.decidedByName),
          orNull(a.decisionReason),
          orNull(a.consumedAt),
          orNull(a.estimatedRows),
          orNull(a.sessionId),
        ],
      })
    },
    async get(id) {
      const { rows } = await db.query<ApprovalRow>({
        name: 'tg.approvals.get',
        text: 'SELECT * FROM taskgate.approvals WHERE id = $1',
        values: [id],
      })
      return rows[0] && toApproval(rows[0])
    },
    list: (filter) => listApprovals(db, filter),
    async decide(id, status, at, by) {
      const r = await db.query({
        name: 'tg.approvals.decide',
        text: DECIDE,
        values: [status, at, orNull(by?.id), orNull(by?.name), orNull(by?.reason), id],
      })
      return r.rowCount === 1
    },
    async consume(id, digest, at) {
      const r = await db.query({ name: 'tg.approvals.consume', text: CONSUME, values: [at, id, digest] })
      return r.rowCount === 1
    },
  }
}

async function listApprovals(db: PgDatabase, filter: ApprovalFilter): Promise<Approval[]> {
  const where: string[] = []
  const values: unknown[] = []
  const param = (value: unknown) => `$${values.push(value)}`
  if (filter.status !== undefined && filter.status.length > 0)
    where.push(`status = ANY(${param(filter.status)})`)
  if (filter.grantId !== undefined) where.push(`grant_id = ${param(filter.grantId)}`)
  const limit = filter.limit !== undefined ? ` LIMIT ${param(filter.limit)}` : ''
  const { rows } = await db.query<ApprovalRow>({
    text: `SELECT * FROM taskgate.approvals${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id COLLATE "C" DESC${limit}`,
    values,
  })
  return rows.map(toApproval)
}

function toApproval(row: ApprovalRow): Approval {
  return withOptional<Approval>(
    {
      id: row.id,
      subject: row.subject,
      grantId: row.grant_id,
      requesterId: row.requester_id,
      requesterName: row.requester_name,
      resourceId: row.resource_id,
      task: row.task,
      summary: row.summary,
      rule: row.rule,
      reason: row.reason,
      approverGroups: row.approver_groups,
      status: row.status,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    },
    {
      digest: row.digest,
      decidedAt: row.decided_at,
      decidedBy: row.decided_by,
      decidedByName: row.decided_by_name,
      decisionReason: row.decision_reason,
      consumedAt: row.consumed_at,
      estimatedRows: row.estimated_rows === null ? null : int(row.estimated_rows),
      sessionId: row.session_id,
    },
  )
}

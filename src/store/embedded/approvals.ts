import type { Approval } from '../../core/approvals/approval.ts'
import type { ApprovalFilter, ApprovalStore } from '../store.ts'
import { type EmbeddedDatabase, guarded } from './database.ts'
import { date, json, orNull, type Row, setOptional, text, toMs } from './values.ts'

export function createApprovalStore(db: EmbeddedDatabase): ApprovalStore {
  const insert =
    db.statement(`INSERT INTO approvals (id, subject, grant_id, requester_id, requester_name, resource_id,
    task, summary, digest, rule, reason, approver_groups, status, created_at, expires_at, decided_at, decided_by,
    decided_by_name, decision_reason, consumed_at, estimated_rows, session_id) VALUES (:id, :subject, :grant_id, :requester_id, :requester_name,
    :resource_id, :task, :summary, :digest, :rule, :reason, :approver_groups, :status, :created_at, :expires_at,
    :decided_at, :decided_by, :decided_by_name, :decision_reason, :consumed_at, :estimated_rows, :session_id)`)
  const get = db.statement('SELECT * FROM approvals WHERE id = ?')
  // Guarded by status so the first of two racing approvers wins and the second learns it lost.
  const decide =
    db.statement(`UPDATE approvals SET status = ?, decided_at = ?, decided_by = ?, decided_by_name = ?,
    decision_reason = ? WHERE id = ? AND status = 'pending'`)
  const consume = db.statement(
    `UPDATE approvals SET consumed_at = ?
    WHERE id = ? AND digest = ? AND status = 'approved' AND consumed_at IS NULL`,
  )

  return {
    insert: (a) =>
      guarded(() => {
        insert.run({
          id: a.id,
          subject: a.subject,
          grant_id: a.grantId,
          requester_id: a.requesterId,
          requester_name: a.requesterName,
          resource_id: a.resourceId,
          task: a.task,
          summary: a.summary,
          digest: orNull(a.digest),
          rule: a.rule,
          reason: a.reason,
          approver_groups: JSON.stringify(a.approverGroups),
          status: a.status,
          created_at: a.createdAt.getTime(),
          expires_at: a.expiresAt.getTime(),
          decided_at: toMs(a.decidedAt),
          decided_by: orNull(a.decidedBy),
          decided_by_name: orNull(a.decidedByName),
          decision_reason: orNull(a.decisionReason),
          consumed_at: toMs(a.consumedAt),
          estimated_rows: orNull(a.estimatedRows),
          session_id: orNull(a.sessionId),
        })
      }),
    get: (id) =>
      guarded(() => {
        const row = get.get(id)
        return row ? toApproval(row) : undefined
      }),
    list: (filter) => guarded(() => listApprovals(db, filter)),
    decide: (id, status, at, by) =>
      guarded(
        () =>
          decide.run(status, at.getTime(), orNull(by?.id), orNull(by?.name), orNull(by?.reason), id)
            .changes === 1,
      ),
    consume: (id, digest, at) => guarded(() => consume.run(at.getTime(), id, digest).changes === 1),
  }
}

function listApprovals(db: EmbeddedDatabase, filter: ApprovalFilter): Approval[] {
  const where: string[] = []
  const params: Record<string, string | number> = {}
  if (filter.status !== undefined && filter.status.length > 0) {
    where.push('status IN (SELECT value FROM json_each(:statuses))')
    params.statuses = JSON.stringify(filter.status)
  }
  if (filter.grantId !== undefined) {
    where.push('grant_id = :grant_id')
    params.grant_id = filter.grantId
  }
  if (filter.limit !== undefined) params.limit = filter.limit
  const sql = `SELECT * FROM approvals${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
    ORDER BY created_at DESC, id DESC${filter.limit !== undefined ? ' LIMIT :limit' : ''}`
  return db.statement(sql).all(params).map(toApproval)
}

function toApproval(row: Row): Approval {
  const approval: Approval = {
    id: text(row.id),
    subject: text(row.subject) as Approval['subject'],
    grantId: text(row.grant_id),
    requesterId: text(row.requester_id),
    requesterName: text(row.requester_name),
    resourceId: text(row.resource_id),
    task: text(row.task),
    summary: text(row.summary),
    rule: text(row.rule),
    reason: text(row.reason),
    approverGroups: json<string[]>(row.approver_groups),
    status: text(row.status) as Approval['status'],
    createdAt: date(row.created_at),
    expiresAt: date(row.expires_at),
  }
  return setOptional(approval, row, {
    digest: ['digest', 'text'],
    decidedAt: ['decided_at', 'date'],
    decidedBy: ['decided_by', 'text'],
    decidedByName: ['decided_by_name', 'text'],
    decisionReason: ['decision_reason', 'text'],
    consumedAt: ['consumed_at', 'date'],
    estimatedRows: ['estimated_rows', 'number'],
    sessionId: ['session_id', 'text'],
  })
}

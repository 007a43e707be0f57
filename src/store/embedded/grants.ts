import type { Grant, GrantEndReason, GrantStatus } from '../../core/grants/grant.ts'
import type { GrantFilter, GrantStore } from '../store.ts'
import { type EmbeddedDatabase, guarded } from './database.ts'
import { date, json, orNull, type Row, setOptional, text, toJson, toMs } from './values.ts'

export function createGrantStore(db: EmbeddedDatabase): GrantStore {
  const insert =
    db.statement(`INSERT INTO grants (id, principal_id, principal_name, groups, resource_id, scope, task,
    status, session_bound, ttl_seconds, requested_at, activated_at, expires_at, ended_at, end_reason, decided_by,
    decision_reason, approval_id, plan) VALUES (:id, :principal_id, :principal_name, :groups, :resource_id, :scope,
    :task, :status, :session_bound, :ttl_seconds, :requested_at, :activated_at, :expires_at, :ended_at, :end_reason,
    :decided_by, :decision_reason, :approval_id, :plan)`)
  const get = db.statement('SELECT * FROM grants WHERE id = ?')
  const activate =
    db.statement(`UPDATE grants SET status = 'active', activated_at = ?, expires_at = ?, decided_by = ?,
    decision_reason = ? WHERE id = ? AND status = 'pending'`)
  const deny =
    db.statement(`UPDATE grants SET status = 'denied', ended_at = ?, decided_by = ?, decision_reason = ?
    WHERE id = ? AND status = 'pending'`)
  const end = db.statement(`UPDATE grants SET status = 'ended', ended_at = ?, end_reason = ?
    WHERE id = ? AND status IN ('pending', 'active')`)
  const listExpired = db.statement(
    `SELECT * FROM grants WHERE status = 'active' AND expires_at <= ? ORDER BY expires_at, id`,
  )
  // Unknown ids count as not live: a caller holding an id the store never saw must not keep access.
  const findNotLive = db.statement(`SELECT ids.value AS id FROM json_each(?) AS ids WHERE NOT EXISTS (
    SELECT 1 FROM grants g WHERE g.id = ids.value AND g.status = 'active' AND g.expires_at > ?) ORDER BY ids.key`)

  const countByStatus = db.statement('SELECT status, count(*) AS n FROM grants GROUP BY status')
  return {
    insert: (grant) =>
      guarded(() => {
        insert.run({
          id: grant.id,
          principal_id: grant.principalId,
          principal_name: grant.principalName,
          groups: JSON.stringify(grant.groups),
          resource_id: grant.resourceId,
          scope: JSON.stringify(grant.scope),
          task: grant.task,
          status: grant.status,
          session_bound: grant.sessionBound ? 1 : 0,
          ttl_seconds: grant.ttlSeconds,
          requested_at: grant.requestedAt.getTime(),
          activated_at: toMs(grant.activatedAt),
          expires_at: toMs(grant.expiresAt),
          ended_at: toMs(grant.endedAt),
          end_reason: orNull(grant.endReason),
          decided_by: orNull(grant.decidedBy),
          decision_reason: orNull(grant.decisionReason),
          approval_id: orNull(grant.approvalId),
          plan: toJson(grant.plan),
        })
      }),
    get: (id) =>
      guarded(() => {
        const row = get.get(id)
        return row ? toGrant(row) : undefined
      }),
    list: (filter) => guarded(() => listGrants(db, filter)),
    activate: (id, at, expiresAt, decidedBy, reason) =>
      guarded(() => activate.run(at.getTime(), expiresAt.getTime(), decidedBy, reason, id).changes === 1),
    deny: (id, at, decidedBy, reason) =>
      guarded(() => deny.run(at.getTime(), decidedBy, reason, id).changes === 1),
    end: (id, reason: GrantEndReason, at) => guarded(() => end.run(at.getTime(), reason, id).changes === 1),
    listExpired: (now) => guarded(() => listExpired.all(now.getTime()).map(toGrant)),
    findNotLive: (ids, now) =>
      guarded(() =>
        ids.length === 0
          ? []
          : findNotLive.all(JSON.stringify(ids), now.getTime()).map((row) => text(row.id)),
      ),
    countByStatus: () =>
      guarded(() => {
        const counts = { pending: 0, active: 0, ended: 0, denied: 0 }
        for (const row of countByStatus.all()) {
          const status = text(row.status)
          if (status in counts) counts[status as keyof typeof counts] = Number(row.n)
        }
        return counts
      }),
  }
}

function listGrants(db: EmbeddedDatabase, filter: GrantFilter): Grant[] {
  const where: string[] = []
  const params: Record<string, string | number> = {}
  if (filter.principalId !== undefined) {
    where.push('principal_id = :principal_id')
    params.principal_id = filter.principalId
  }
  if (filter.resourceId !== undefined) {
    where.push('resource_id = :resource_id')
    params.resource_id = filter.resourceId
  }
  if (filter.status !== undefined && filter.status.length > 0) {
    where.push('status IN (SELECT value FROM json_each(:statuses))')
    params.statuses = JSON.stringify(filter.status)
  }
  if (filter.limit !== undefined) params.limit = filter.limit
  const sql = `SELECT * FROM grants${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
    ORDER BY requested_at DESC, id DESC${filter.limit !== undefined ? ' LIMIT :limit' : ''}`
  return db.statement(sql).all(params).map(toGrant)
}

function toGrant(row: Row): Grant {
  const grant: Grant = {
    id: text(row.id),
    principalId: text(row.principal_id),
    principalName: text(row.principal_name),
    groups: json<string[]>(row.groups),
    resourceId: text(row.resource_id),
    scope: json<Grant['scope']>(row.scope),
    task: text(row.task),
    status: text(row.status) as GrantStatus,
    sessionBound: row.session_bound === 1,
    ttlSeconds: Number(row.ttl_seconds),
    requestedAt: date(row.requested_at),
  }
  return setOptional(grant, row, {
    activatedAt: ['activated_at', 'date'],
    expiresAt: ['expires_at', 'date'],
    endedAt: ['ended_at', 'date'],
    endReason: ['end_reason', 'text'],
    decidedBy: ['decided_by', 'text'],
    decisionReason: ['decision_reason', 'text'],
    approvalId: ['approval_id', 'text'],
    plan: ['plan', 'json'],
  })
}

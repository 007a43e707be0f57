import type { Grant } from '../../core/grants/grant.ts'
import type { GrantFilter, GrantStore } from '../store.ts'
import type { PgDatabase } from './database.ts'
import { orNull, withOptional, withoutNul } from './values.ts'

interface GrantRow {
  id: string
  principal_id: string
  principal_name: string
  groups: string[]
  resource_id: string
  scope: Grant['scope']
  task: string
  status: Grant['status']
  session_bound: boolean
  ttl_seconds: number
  requested_at: Date
  activated_at: Date | null
  expires_at: Date | null
  ended_at: Date | null
  end_reason: Grant['endReason'] | null
  decided_by: string | null
  decision_reason: string | null
  approval_id: string | null
  plan: Grant['plan'] | null
}

// Named statements are prepared once per pooled connection and reused.
const INSERT = `INSERT INTO taskgate.grants (id, principal_id, principal_name, groups, resource_id, scope, task, status,
  session_bound, ttl_seconds, requested_at, activated_at, expires_at, ended_at, end_reason, decided_by, decision_reason,
  approval_id, plan) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`
const ACTIVATE = `UPDATE taskgate.grants SET status = 'active', activated_at = $1, expires_at = $2, decided_by = $3,
  decision_reason = $4 WHERE id = $5 AND status = 'pending'`
const DENY = `UPDATE taskgate.grants SET status = 'denied', ended_at = $1, decided_by = $2, decision_reason = $3
  WHERE id = $4 AND status = 'pending'`
const END = `UPDATE taskgate.grants SET status = 'ended', ended_at = $1, end_reason = $2
  WHERE id = $3 AND status IN ('pending', 'active')`
// Unknown ids count as not live: a caller holding an id the store never saw must not keep access.
const FIND_NOT_LIVE = `SELECT ids.id FROM unnest($1::text[]) WITH ORDINALITY AS ids (id, n) WHERE NOT EXISTS (
  SELECT 1 FROM taskgate.grants g WHERE g.id = ids.id AND g.status = 'active' AND g.expires_at > $2) ORDER BY ids.n`

export function createGrantStore(db: PgDatabase): GrantStore {
  return {
    async insert(g) {
      await db.query({
        name: 'tg.grants.insert',
        text: INSERT,
        values: [
          g.id,
          g.principalId,
          g.principalName,
          JSON.stringify(g.groups),
          g.resourceId,
          JSON.stringify(g.scope),
          g.task,
          g.status,
          g.sessionBound,
          g.ttlSeconds,
          g.requestedAt,
          orNull(g.activatedAt),
          orNull(g.expiresAt),
          orNull(g.endedAt),
          orNull(g.endReason),
          orNull(g.decidedBy),
          orNull(g.decisionReason),
          orNull(g.approvalId),
          g.plan === undefined ? null : JSON.stringify(g.plan, withoutNul),
        ],
      })
    },
    async get(id) {
      const { rows } = await db.query<GrantRow>({
        name: 'tg.grants.get',
        text: 'SELECT * FROM taskgate.grants WHERE id = $1',
        values: [id],
      })
      return rows[0] && toGrant(rows[0])
    },
    list: (filter) => listGrants(db, filter),
    async activate(id, at, expiresAt, decidedBy, reason) {
      const r = await db.query({
        name: 'tg.grants.activate',
        text: ACTIVATE,
        values: [at, expiresAt, decidedBy, reason, id],
      })
      return r.rowCount === 1
    },
    async deny(id, at, decidedBy, reason) {
      const r = await db.query({ name: 'tg.grants.deny', text: DENY, values: [at, decidedBy, reason, id] })
      return r.rowCount === 1
    },
    async end(id, reason, at) {
      const r = await db.query({ name: 'tg.grants.end', text: END, values: [at, reason, id] })
      return r.rowCount === 1
    },
    async listExpired(now) {
      const { rows } = await db.query<GrantRow>({
        name: 'tg.grants.listExpired',
        text: `SELECT * FROM taskgate.grants WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at, id COLLATE "C"`,
        values: [now],
      })
      return rows.map(toGrant)
    },
    async findNotLive(ids, now) {
      if (ids.length === 0) return []
      const { rows } = await db.query<{ id: string }>({
        name: 'tg.grants.findNotLive',
        text: FIND_NOT_LIVE,
        values: [ids, now],
      })
      return rows.map((r) => r.id)
    },
    async countByStatus() {
      const { rows } = await db.query<{ status: string; n: string }>({
        name: 'tg.grants.countByStatus',
        text: 'SELECT status, count(*) AS n FROM taskgate.grants GROUP BY status',
      })
      const counts = { pending: 0, active: 0, ended: 0, denied: 0 }
      for (const row of rows)
        if (row.status in counts) counts[row.status as keyof typeof counts] = Number(row.n)
      return counts
    },
  }
}

async function listGrants(db: PgDatabase, filter: GrantFilter): Promise<Grant[]> {
  const where: string[] = []
  const values: unknown[] = []
  const param = (value: unknown) => `$${values.push(value)}`
  if (filter.principalId !== undefined) where.push(`principal_id = ${param(filter.principalId)}`)
  if (filter.resourceId !== undefined) where.push(`resource_id = ${param(filter.resourceId)}`)
  if (filter.status !== undefined && filter.status.length > 0)
    where.push(`status = ANY(${param(filter.status)})`)
  const limit = filter.limit !== undefined ? ` LIMIT ${param(filter.limit)}` : ''
  const { rows } = await db.query<GrantRow>({
    text: `SELECT * FROM taskgate.grants${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY requested_at DESC, id COLLATE "C" DESC${limit}`,
    values,
  })
  return rows.map(toGrant)
}

function toGrant(row: GrantRow): Grant {
  return withOptional<Grant>(
    {
      id: row.id,
      principalId: row.principal_id,
      principalName: row.principal_name,
      groups: row.groups,
      resourceId: row.resource_id,
      scope: row.scope,
      task: row.task,
      status: row.status,
      sessionBound: row.session_bound,
      ttlSeconds: row.ttl_seconds,
      requestedAt: row.requested_at,
    },
    {
      activatedAt: row.activated_at,
      expiresAt: row.expires_at,
      endedAt: row.ended_at,
      endReason: row.end_reason,
      decidedBy: row.decided_by,
      decisionReason: row.decision_reason,
      approvalId: row.approval_id,
      plan: row.plan,
    },
  )
}

import type { ScopeEntry } from '../../core/grants/scope.ts'
import type { ActionRecord, SessionRecord, SessionSummary } from '../../core/recording/events.ts'
import type { SessionFilter, SessionStore } from '../store.ts'
import type { AuditWriter } from './audit-writer.ts'
import type { PgDatabase, Query } from './database.ts'
import { int, orNull, withOptional, withoutNul } from './values.ts'

interface SessionRow {
  id: string
  grant_id: string
  principal_id: string
  principal_name: string
  resource_id: string
  protocol: string
  client: string
  started_at: Date
  ended_at: Date | null
  end_reason: string | null
  process_id: string | null
}

interface ActionRow {
  session_id: string
  seq: number
  at: Date
  kind: string
  text: string
  outcome: ActionRecord['outcome']
  rule: string | null
  reason: string | null
  row_count: string | null
  duration_ms: number | null
  error: string | null
  result: ActionRecord['result'] | null
  masked: Record<string, number> | null
  approval_id: string | null
  approved_by: string | null
  approved_by_name: string | null
  needs: ScopeEntry[] | null
}

// One statement for the whole batch: the actions travel as one JSON array, so a batch of any size is a
// single round trip with a constant text (prepared once) and lands atomically. An upsert: a statement is
// recorded when it starts and again with its outcome (same seq; the start's time is kept), and a recorder
// retrying a batch after a failure must not fail on the rows that did land.
const APPEND_ACTIONS = `INSERT INTO taskgate.session_actions (session_id, seq, at, kind, text, outcome, rule, reason,
  row_count, duration_ms, error, result, masked, approval_id, approved_by, approved_by_name, needs)
  SELECT session_id, seq, at, kind, text, outcome, rule, reason, row_count, duration_ms, error, result, masked,
    approval_id, approved_by, approved_by_name, needs
  FROM json_to_recordset($1::json) AS a (session_id text, seq integer, at timestamptz, kind text, text text,
    outcome text, rule text, reason text, row_count bigint, duration_ms double precision, error text, result jsonb,
    masked jsonb, approval_id text, approved_by text, approved_by_name text, needs jsonb)
  ON CONFLICT (session_id, seq) DO UPDATE SET kind = excluded.kind, text = excluded.text,
    outcome = excluded.outcome, rule = excluded.rule, reason = excluded.reason, row_count = excluded.row_count,
    duration_ms = excluded.duration_ms, error = excluded.error, result = excluded.result, masked = excluded.masked,
    approval_id = excluded.approval_id, approved_by = excluded.approved_by, approved_by_name = excluded.approved_by_name,
    needs = coalesce(excluded.needs, session_actions.needs)`

export function createSessionStore(db: PgDatabase, writer: AuditWriter): SessionStore {
  return {
    async insert(s, audit, limits) {
      const insert = (query: Query) =>
        query({
          name: 'tg.sessions.insert',
          text: `INSERT INTO taskgate.sessions (id, grant_id, principal_id, principal_name, resource_id, protocol, client,
          started_at, ended_at, end_reason, process_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          values: [
            s.id,
            s.grantId,
            s.principalId,
            s.principalName,
            s.resourceId,
            s.protocol,
            s.client,
            s.startedAt,
            orNull(s.endedAt),
            orNull(s.endReason),
            orNull(s.processId),
          ],
        })
      if (!audit && !limits) return void (await insert(db.query))
      // With its session.started entry (and its limits counted under the audit lock), through the process's
      // group commit (audit-writer.ts).
      await writer.startSession(s, audit, limits)
    },
    async end(id, at, reason, audit) {
      // The first end wins: a disconnect racing a revoke keeps whichever was recorded first.
      const end = (query: Query) =>
        query({
          name: 'tg.sessions.end',
          text: 'UPDATE taskgate.sessions SET ended_at = $1, end_reason = $2 WHERE id = $3 AND ended_at IS NULL',
          values: [at, reason, id],
        })
      if (!audit) return void (await end(db.query))
      // With its session.ended entry, through the process's group commit (audit-writer.ts), which keeps
      // the order above: the row first, the audit lock second.
      await writer.endSession(id, at, reason, audit)
    },
    async get(id) {
      const { rows } = await db.query<SessionRow>({
        name: 'tg.sessions.get',
        text: 'SELECT * FROM taskgate.sessions WHERE id = $1',
        values: [id],
      })
      return rows[0] && toSession(rows[0])
    },
    list: (filter) => listSessions(db, filter),
    async appendActions(actions) {
      if (actions.length === 0) return
      const rows = actions.map((a) => ({
        session_id: a.sessionId,
        seq: a.seq,
        at: a.at,
        kind: a.kind,
        text: a.text,
        outcome: a.outcome,
        rule: a.rule,
        reason: a.reason,
        row_count: a.rowCount,
        duration_ms: a.durationMs,
        error: a.error,
        result: a.result,
        masked: a.masked,
        approval_id: a.approvalId,
        approved_by: a.approvedBy,
        approved_by_name: a.approvedByName,
        needs: a.needs,
      }))
      await db.query({
        name: 'tg.sessions.appendActions',
        text: APPEND_ACTIONS,
        values: [JSON.stringify(rows, withoutNul)],
      })
    },
    async listActions(sessionId, options = {}) {
      const values: unknown[] = [sessionId, options.afterSeq ?? -1]
      const limit = options.limit !== undefined ? ` LIMIT $${values.push(options.limit)}` : ''
      const { rows } = await db.query<ActionRow>({
        name: `tg.sessions.listActions${limit ? '.limit' : ''}`,
        text: `SELECT * FROM taskgate.session_actions WHERE session_id = $1 AND seq > $2 ORDER BY seq${limit}`,
        values,
      })
      return rows.map(toAction)
    },
  }
}

async function listSessions(db: PgDatabase, filter: SessionFilter): Promise<SessionSummary[]> {
  const where: string[] = []
  const values: unknown[] = []
  const param = (value: unknown) => `$${values.push(value)}`
  if (filter.principalId !== undefined) where.push(`principal_id = ${param(filter.principalId)}`)
  if (filter.resourceId !== undefined) where.push(`resource_id = ${param(filter.resourceId)}`)
  if (filter.grantId !== undefined) where.push(`grant_id = ${param(filter.grantId)}`)
  if (filter.processId !== undefined) where.push(`process_id = ${param(filter.processId)}`)
  if (filter.since !== undefined) where.push(`started_at >= ${param(filter.since)}`)
  if (filter.until !== undefined) where.push(`started_at < ${param(filter.until)}`)
  if (filter.deniedOnly) {
    where.push(
      `EXISTS (SELECT 1 FROM taskgate.session_actions a WHERE a.session_id = s.id AND a.outcome = 'deny')`,
    )
  }
  if (filter.live !== undefined) where.push(`s.ended_at IS ${filter.live ? '' : 'NOT '}NULL`)
  if (filter.task !== undefined) {
    // The text's own % and _ match literally; ILIKE ignores case.
    const pattern = `%${filter.task.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    where.push(`(SELECT g.task FROM taskgate.grants g WHERE g.id = s.grant_id) ILIKE ${param(pattern)}`)
  }
  const limit = filter.limit !== undefined ? ` LIMIT ${param(filter.limit)}` : ''
  const { rows } = await db.query<
    SessionRow & { task: string | null; action_count: string; denied_count: string }
  >({
    text: `SELECT s.*,
        (SELECT g.task FROM taskgate.grants g WHERE g.id = s.grant_id) AS task,
        (SELECT count(*) FROM taskgate.session_actions a WHERE a.session_id = s.id) AS action_count,
        (SELECT count(*) FROM taskgate.session_actions a WHERE a.session_id = s.id AND a.outcome = 'deny')
          AS denied_count
      FROM taskgate.sessions s${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY started_at DESC, id COLLATE "C" DESC${limit}`,
    values,
  })
  return rows.map((row) => ({
    ...toSession(row),
    task: row.task ?? '',
    actionCount: int(row.action_count),
    deniedCount: int(row.denied_count),
  }))
}

function toSession(row: SessionRow): SessionRecord {
  return withOptional<SessionRecord>(
    {
      id: row.id,
      grantId: row.grant_id,
      principalId: row.principal_id,
      principalName: row.principal_name,
      resourceId: row.resource_id,
      protocol: row.protocol,
      client: row.client,
      startedAt: row.started_at,
    },
    { endedAt: row.ended_at, endReason: row.end_reason, processId: row.process_id },
  )
}

function toAction(row: ActionRow): ActionRecord {
  return withOptional<ActionRecord>(
    {
      sessionId: row.session_id,
      seq: row.seq,
      at: row.at,
      kind: row.kind,
      text: row.text,
      outcome: row.outcome,
    },
    {
      rule: row.rule,
      reason: row.reason,
      rowCount: row.row_count === null ? null : int(row.row_count),
      durationMs: row.duration_ms,
      error: row.error,
      result: row.result,
      masked: row.masked,
      approvalId: row.approval_id,
      approvedBy: row.approved_by,
      approvedByName: row.approved_by_name,
      needs: row.needs,
    },
  )
}

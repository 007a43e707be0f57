import type { SQLInputValue, StatementSync } from 'node:sqlite'
import type { ActionRecord, SessionRecord, SessionSummary } from '../../core/recording/events.ts'
import { overGrantLimit, overPrincipalLimit } from '../../core/sessions/session-limits.ts'
import type { SessionFilter, SessionStore } from '../store.ts'
import { createAuditAppender } from './audit.ts'
import { type EmbeddedDatabase, guarded } from './database.ts'
import { date, orNull, type Row, setOptional, text, toJson } from './values.ts'

export function createSessionStore(db: EmbeddedDatabase): SessionStore {
  const appendAudit = createAuditAppender(db)
  const insert =
    db.statement(`INSERT INTO sessions (id, grant_id, principal_id, principal_name, resource_id, protocol,
    client, started_at, ended_at, end_reason, process_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  // The first end wins: a disconnect racing a revoke keeps whichever was recorded first.
  const end = db.statement(
    'UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL',
  )
  const get = db.statement('SELECT * FROM sessions WHERE id = ?')
  // Live sessions across every process sharing the file (workers), for the limits.
  const liveForGrant = db.statement(
    'SELECT count(*) AS n FROM sessions WHERE grant_id = ? AND ended_at IS NULL',
  )
  const liveForPrincipal = db.statement(
    'SELECT count(*) AS n FROM sessions WHERE principal_id = ? AND ended_at IS NULL',
  )
  // An upsert: a statement is recorded when it starts and again with its outcome (same seq; the start's
  // time is kept), and a recorder retrying a batch after a failure must not fail on the rows that did land.
  // Rows go ACTIONS_PER_INSERT at a time: one statement step per chunk rather than per row (the recorder
  // writes hundreds per batch under load).
  const inserts: StatementSync[] = []
  const insertActions = (rows: number) =>
    (inserts[rows] ??= db.statement(`INSERT INTO session_actions (session_id, seq, at, kind, text,
    outcome, rule, reason, row_count, duration_ms, error, result, masked, approval_id, approved_by, approved_by_name,
    needs)
    VALUES ${ACTION_ROW.repeat(rows).slice(1)}
    ON CONFLICT (session_id, seq) DO UPDATE SET kind = excluded.kind, text = excluded.text,
    outcome = excluded.outcome, rule = excluded.rule, reason = excluded.reason, row_count = excluded.row_count,
    duration_ms = excluded.duration_ms, error = excluded.error, result = excluded.result, masked = excluded.masked,
    approval_id = excluded.approval_id, approved_by = excluded.approved_by, approved_by_name = excluded.approved_by_name,
    needs = coalesce(excluded.needs, session_actions.needs)`))
  const args: SQLInputValue[] = new Array(ACTIONS_PER_INSERT * ACTION_COLUMNS)
  // A retried batch that did land writes the same pack again: replaced, not doubled.
  const insertPack = db.statement(`INSERT INTO session_action_packs (session_id, first_seq, last_seq, actions,
    denied, bytes, body) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (session_id, first_seq) DO UPDATE SET last_seq = excluded.last_seq, actions = excluded.actions,
    denied = excluded.denied, bytes = excluded.bytes, body = excluded.body`)
  const rowsAfter = db.statement(
    'SELECT * FROM session_actions WHERE session_id = ? AND seq > ? ORDER BY seq',
  )
  const rowsAfterLimited = db.statement(
    'SELECT * FROM session_actions WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?',
  )
  const packsAfter = db.statement(`SELECT first_seq, body FROM session_action_packs
    WHERE session_id = ? AND last_seq > ? ORDER BY first_seq`)

  return {
    insert: (s, audit, limits) =>
      guarded(() =>
        db.transaction(() => {
          if (limits) {
            const forGrant = Number(liveForGrant.get(s.grantId)?.n ?? 0)
            if (forGrant >= limits.perGrant) throw overGrantLimit(s.grantId, forGrant)
            const forPrincipal = Number(liveForPrincipal.get(s.principalId)?.n ?? 0)
            if (forPrincipal >= limits.perPrincipal) throw overPrincipalLimit(s.principalName, forPrincipal)
          }
          insert.run(
            s.id,
            s.grantId,
            s.principalId,
            s.principalName,
            s.resourceId,
            s.protocol,
            s.client,
            s.startedAt.getTime(),
            s.endedAt === undefined ? null : s.endedAt.getTime(),
            orNull(s.endReason),
            orNull(s.processId),
          )
          if (audit) appendAudit(audit.event, s.startedAt, audit.hashEntry)
        }),
      ),
    end: (id, at, reason, audit) =>
      guarded(() =>
        db.transaction(() => {
          const { changes } = end.run(at.getTime(), reason, id)
          if (audit && Number(changes) > 0) appendAudit(audit.event, at, audit.hashEntry)
        }),
      ),
    get: (id) =>
      guarded(() => {
        const row = get.get(id)
        return row ? toSession(row) : undefined
      }),
    list: (filter) => guarded(() => listSessions(db, filter)),
    appendActions: (actions) =>
      guarded(() => {
        if (actions.length === 0) return
        // Final records (stored once, never completed later) go one row per session: a row insert costs
        // node:sqlite 2.5-3 µs of CPU, which a packed record does not. The rest stay rows, upserted.
        const rows: ActionRecord[] = []
        const packs = new Map<string, ActionRecord[]>()
        for (const a of actions) {
          if (a.final !== true) rows.push(a)
          else {
            const pack = packs.get(a.sessionId)
            if (pack === undefined) packs.set(a.sessionId, [a])
            else pack.push(a)
          }
        }
        // In key order: the table is clustered by (session_id, seq), and a batch interleaves every live
        // session's statements, so rows taken as they came each land somewhere else in the tree (a seek and,
        // past a full page, a split in the middle of it, leaving half-full pages). Sorted, each session's rows
        // go in as one run: about 40% less CPU per row with 8 sessions (sqlite-micro, mysql-perf). A copy:
        // the recorder matches a failed batch's records to its keys by position.
        if (rows.length > 1) rows.sort(byKey)
        db.transaction(() => {
          for (let from = 0; from < rows.length; from += ACTIONS_PER_INSERT) {
            const n = Math.min(ACTIONS_PER_INSERT, rows.length - from)
            args.length = n * ACTION_COLUMNS
            for (let i = 0; i < n; i++) actionArgs(rows[from + i]!, args, i * ACTION_COLUMNS)
            insertActions(n).run(...args)
          }
          for (const [sessionId, pack] of packs) writePack(insertPack, sessionId, pack)
        })
      }),
    listActions: (sessionId, options = {}) =>
      guarded(() => {
        const afterSeq = options.afterSeq ?? -1
        const { limit } = options
        const rows = (
          limit === undefined
            ? rowsAfter.all(sessionId, afterSeq)
            : rowsAfterLimited.all(sessionId, afterSeq, limit)
        ).map(toAction)
        const packed = readPacks(packsAfter, sessionId, afterSeq, limit)
        return packed.length === 0 ? rows : merge(packed, rows, limit)
      }),
  }
}

const bySeq = (a: ActionRecord, b: ActionRecord): number => a.seq - b.seq

/** A pack is closed once its body is this long: a batch of 500 statements of 1 MiB each (escaped up to six
 * times in JSON) made one string past V8's limit (and a value past SQLite's), so the batch failed on every
 * retry and recording stalled for every session in it. */
const PACK_BODY_CHARS = 1024 * 1024

/** A session's final records of one batch, in seq order, as packs of at most PACK_BODY_CHARS (one record
 * more at most): each body an array of `packed` entries. Split by the records alone, so a retried batch
 * (the same records, perhaps more after them) writes the same packs again, the last one perhaps longer. */
function writePack(insert: StatementSync, sessionId: string, pack: ActionRecord[]): void {
  for (let i = 1; i < pack.length; i++) {
    if (pack[i]!.seq < pack[i - 1]!.seq) {
      pack.sort(bySeq)
      break
    }
  }
  let first = 0
  let body = '['
  let denied = 0
  let bytes = 0
  for (let i = 0; i < pack.length; i++) {
    const a = pack[i]!
    const result = a.result === undefined ? undefined : JSON.stringify(a.result)
    if (a.outcome === 'deny') denied++
    bytes += a.text.length + (result === undefined ? 0 : result.length)
    body += `${i === first ? '' : ','}${packed(a, result)}`
    if (body.length < PACK_BODY_CHARS && i < pack.length - 1) continue
    insert.run(sessionId, pack[first]!.seq, a.seq, i + 1 - first, denied, bytes, `${body}]`)
    first = i + 1
    body = '['
    denied = 0
    bytes = 0
  }
}

// A record packed as an array (no field names): [seq, at (epoch ms), kind, text, outcome, rule, reason,
// rowCount, durationMs, error, masked, approvalId, approvedBy, approvedByName, result, needs], null where
// absent. result and needs go last as JSON made apart: result's length counts for retention, and needs is
// usually a frozen array serialised once (needsJson).
function packed(a: ActionRecord, result: string | undefined): string {
  // Written out rather than JSON.stringify of an array (its per-element dispatch, and V8 printing an epoch
  // past 2^31 through its shortest-double algorithm, were most of the store's JavaScript per record); the
  // same text JSON.stringify gives (the contract's final-record cases read every field back). Each value
  // joined is a string concatenation (and a piece to copy when SQLite takes the body): the usual record, with
  // no rule, reason, error, masking or approval, has its nulls as one piece.
  const head = `[${a.seq},${epochJson(a.at.getTime())},${kindJson(a.kind)},${JSON.stringify(a.text)},${outcomeJson(a.outcome)},`
  const tail = `${result ?? 'null'},${a.needs === undefined ? 'null' : needsJson(a.needs)}]`
  if (
    a.rule === undefined &&
    a.reason === undefined &&
    a.error === undefined &&
    a.masked === undefined &&
    a.approvalId === undefined &&
    a.approvedBy === undefined &&
    a.approvedByName === undefined
  )
    return `${head}null,null,${numberJson(a.rowCount)},${numberJson(a.durationMs)},null,null,null,null,null,${tail}`
  return `${head}${optionalJson(a.rule)},${optionalJson(a.reason)},${numberJson(a.rowCount)},${numberJson(a.durationMs)},${optionalJson(a.error)},${optionalJson(a.masked)},${optionalJson(a.approvalId)},${optionalJson(a.approvedBy)},${optionalJson(a.approvedByName)},${tail}`
}

const optionalJson = (value: unknown): string => (value === undefined ? 'null' : JSON.stringify(value))

/** As JSON.stringify: a non-finite number is null. */
const numberJson = (n: number | undefined): string =>
  n === undefined || !Number.isFinite(n) ? 'null' : String(n)

/** An epoch in ms as JSON.stringify writes it, from two small integers: their digits come from V8's integer
 * printing, not its shortest-double search (which JSON.stringify of the whole number runs). */
function epochJson(ms: number): string {
  if (!(ms >= 1e6 && ms < 1e15 && Number.isInteger(ms))) return numberJson(ms)
  const high = Math.floor(ms / 1e6)
  return `${high}${String(ms - high * 1e6 + 1e6).slice(1)}`
}

const outcomeJson = (outcome: ActionRecord['outcome']): string =>
  outcome === 'allow' ? '"allow"' : JSON.stringify(outcome)

/** A statement kind: a few words, each serialised once (bounded: cleared when full). */
const kindsJson = new Map<string, string>()
function kindJson(kind: string): string {
  let json = kindsJson.get(kind)
  if (json === undefined) {
    json = JSON.stringify(kind)
    if (kindsJson.size >= 256) kindsJson.clear()
    kindsJson.set(kind, json)
  }
  return json
}

const PACKED_FIELDS = [
  'rule',
  'reason',
  'rowCount',
  'durationMs',
  'error',
  'masked',
  'approvalId',
  'approvedBy',
  'approvedByName',
  'result',
  'needs',
] as const satisfies (keyof ActionRecord)[]

function unpack(sessionId: string, entry: unknown[]): ActionRecord {
  const action: ActionRecord = {
    sessionId,
    seq: entry[0] as number,
    at: new Date(entry[1] as number),
    kind: entry[2] as string,
    text: entry[3] as string,
    outcome: entry[4] as ActionRecord['outcome'],
  }
  for (let i = 0; i < PACKED_FIELDS.length; i++) {
    const value = entry[5 + i]
    if (value !== null && value !== undefined)
      (action as unknown as Record<string, unknown>)[PACKED_FIELDS[i]!] = value
  }
  return action
}

/** A session's packed records after `afterSeq`, in seq order; with `limit`, at least its first `limit`. */
function readPacks(
  packsAfter: StatementSync,
  sessionId: string,
  afterSeq: number,
  limit: number | undefined,
): ActionRecord[] {
  const records: ActionRecord[] = []
  let sorted = true
  for (const pack of packsAfter.iterate(sessionId, afterSeq)) {
    if (limit !== undefined && records.length >= limit) {
      // Packs come by first seq: once one starts past the limit-th record so far, none can come before it.
      if (!sorted) records.sort(bySeq)
      sorted = true
      records.length = limit
      if (Number(pack.first_seq) > records[limit - 1]!.seq) break
    }
    for (const entry of JSON.parse(String(pack.body)) as unknown[][]) {
      if ((entry[0] as number) <= afterSeq) continue
      if (records.length > 0 && (entry[0] as number) < records[records.length - 1]!.seq) sorted = false
      records.push(unpack(sessionId, entry))
    }
  }
  if (!sorted) records.sort(bySeq)
  return limit === undefined || records.length <= limit ? records : records.slice(0, limit)
}

/** Packed records and rows in seq order. A seq in both (a final record completed again, which the recorder
 * never does) reads as the row's upsert over the packed record would have. */
function merge(packed: ActionRecord[], rows: ActionRecord[], limit: number | undefined): ActionRecord[] {
  if (rows.length === 0) return packed
  const bySeqOf = new Map<number, ActionRecord>()
  for (const a of packed) bySeqOf.set(a.seq, a)
  for (const row of rows) {
    const earlier = bySeqOf.get(row.seq)
    bySeqOf.set(row.seq, earlier === undefined ? row : { ...earlier, ...row, at: earlier.at })
  }
  const all = [...bySeqOf.values()].sort(bySeq)
  return limit === undefined ? all : all.slice(0, limit)
}

const ACTION_COLUMNS = 17
const ACTION_ROW = `,(${'?,'.repeat(ACTION_COLUMNS - 1)}?)`
// 64 × 17 = 1088 parameters, well under SQLite's limit of 32 766 (sqlite.org/limits.html#max_variable_number).
const ACTIONS_PER_INSERT = 64

const byKey = (a: ActionRecord, b: ActionRecord): number =>
  a.sessionId === b.sessionId ? a.seq - b.seq : a.sessionId < b.sessionId ? -1 : 1

function actionArgs(a: ActionRecord, args: SQLInputValue[], at: number): void {
  args[at] = a.sessionId
  args[at + 1] = a.seq
  args[at + 2] = a.at.getTime()
  args[at + 3] = a.kind
  args[at + 4] = a.text
  args[at + 5] = a.outcome
  args[at + 6] = orNull(a.rule)
  args[at + 7] = orNull(a.reason)
  args[at + 8] = orNull(a.rowCount)
  args[at + 9] = orNull(a.durationMs)
  args[at + 10] = orNull(a.error)
  args[at + 11] = toJson(a.result)
  args[at + 12] = toJson(a.masked)
  args[at + 13] = orNull(a.approvalId)
  args[at + 14] = orNull(a.approvedBy)
  args[at + 15] = orNull(a.approvedByName)
  args[at + 16] = a.needs === undefined ? null : needsJson(a.needs)
}

// A statement's `needs` is often its classification's array, shared by every execution of the statement
// and every text of one shape (PostgreSQL's classifier freezes it): a frozen array cannot change, so it is
// serialised once, not once per row. Any other array is serialised each time.
const needsJsonOf = new WeakMap<object, string>()
function needsJson(needs: NonNullable<ActionRecord['needs']>): string {
  if (!Object.isFrozen(needs)) return JSON.stringify(needs)
  let json = needsJsonOf.get(needs)
  if (json === undefined) {
    json = JSON.stringify(needs)
    needsJsonOf.set(needs, json)
  }
  return json
}

function listSessions(db: EmbeddedDatabase, filter: SessionFilter): SessionSummary[] {
  const where: string[] = []
  const params: Record<string, string | number> = {}
  for (const [field, column] of [
    ['principalId', 'principal_id'],
    ['resourceId', 'resource_id'],
    ['grantId', 'grant_id'],
    ['processId', 'process_id'],
  ] as const) {
    const value = filter[field]
    if (value !== undefined) {
      where.push(`${column} = :${column}`)
      params[column] = value
    }
  }
  if (filter.since !== undefined) {
    where.push('started_at >= :since')
    params.since = filter.since.getTime()
  }
  if (filter.until !== undefined) {
    where.push('started_at < :until')
    params.until = filter.until.getTime()
  }
  if (filter.deniedOnly) {
    where.push(`(EXISTS (SELECT 1 FROM session_actions a WHERE a.session_id = sessions.id AND a.outcome = 'deny')
      OR EXISTS (SELECT 1 FROM session_action_packs p WHERE p.session_id = sessions.id AND p.denied > 0))`)
  }
  if (filter.live !== undefined) where.push(`ended_at IS ${filter.live ? '' : 'NOT '}NULL`)
  if (filter.task !== undefined) {
    // LIKE ignores ASCII case in SQLite; the text's own % and _ match themselves.
    where.push(`(SELECT g.task FROM grants g WHERE g.id = sessions.grant_id) LIKE :task ESCAPE '\\'`)
    params.task = `%${filter.task.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  }
  if (filter.limit !== undefined) params.limit = filter.limit
  const sql = `SELECT sessions.*,
      coalesce((SELECT g.task FROM grants g WHERE g.id = sessions.grant_id), '') AS task,
      (SELECT count(*) FROM session_actions a WHERE a.session_id = sessions.id)
        + (SELECT coalesce(sum(p.actions), 0) FROM session_action_packs p WHERE p.session_id = sessions.id)
        AS action_count,
      (SELECT count(*) FROM session_actions a WHERE a.session_id = sessions.id AND a.outcome = 'deny')
        + (SELECT coalesce(sum(p.denied), 0) FROM session_action_packs p WHERE p.session_id = sessions.id)
        AS denied_count
    FROM sessions${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
    ORDER BY started_at DESC, id DESC${filter.limit !== undefined ? ' LIMIT :limit' : ''}`
  return db
    .statement(sql)
    .all(params)
    .map((row) => ({
      ...toSession(row),
      task: text(row.task),
      actionCount: Number(row.action_count),
      deniedCount: Number(row.denied_count),
    }))
}

function toSession(row: Row): SessionRecord {
  const session: SessionRecord = {
    id: text(row.id),
    grantId: text(row.grant_id),
    principalId: text(row.principal_id),
    principalName: text(row.principal_name),
    resourceId: text(row.resource_id),
    protocol: text(row.protocol),
    client: text(row.client),
    startedAt: date(row.started_at),
  }
  return setOptional(session, row, {
    endedAt: ['ended_at', 'date'],
    endReason: ['end_reason', 'text'],
    processId: ['process_id', 'text'],
  })
}

function toAction(row: Row): ActionRecord {
  const action: ActionRecord = {
    sessionId: text(row.session_id),
    seq: Number(row.seq),
    at: date(row.at),
    kind: text(row.kind),
    text: text(row.text),
    outcome: text(row.outcome) as ActionRecord['outcome'],
  }
  return setOptional(action, row, {
    rule: ['rule', 'text'],
    reason: ['reason', 'text'],
    rowCount: ['row_count', 'number'],
    durationMs: ['duration_ms', 'number'],
    error: ['error', 'text'],
    result: ['result', 'json'],
    masked: ['masked', 'json'],
    approvalId: ['approval_id', 'text'],
    approvedBy: ['approved_by', 'text'],
    approvedByName: ['approved_by_name', 'text'],
    needs: ['needs', 'json'],
  })
}

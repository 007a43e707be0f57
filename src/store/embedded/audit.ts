import type { AuditEntry, AuditEventInput } from '../../core/audit/events.ts'
import { buildAuditEntry, GENESIS_HASH } from '../audit-entry.ts'
import type { AuditFilter, AuditStore, HashEntry } from '../store.ts'
import { type EmbeddedDatabase, guarded } from './database.ts'
import { date, json, orNull, type Row, text, toJson } from './values.ts'

/** Appends one entry to the chain; call it inside db.transaction (BEGIN IMMEDIATE serializes it against
 * another process appending to the same file), alone or with the write it audits. */
export function createAuditAppender(
  db: EmbeddedDatabase,
): (event: AuditEventInput, at: Date, hashEntry: HashEntry) => AuditEntry {
  // The anchored head, not the newest row: with the newest rows deleted, the next entry leaves a gap.
  const head = db.statement('SELECT seq, hash FROM audit_head WHERE id = 1')
  const setHead = db.statement(`INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?)
    ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`)
  const insert = db.statement(`INSERT INTO audit_events (seq, at, type, actor, subject, data, prev_hash, hash)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
  return (event, at, hashEntry) => {
    const last = head.get()
    const entry = buildAuditEntry(
      event,
      last ? Number(last.seq) + 1 : 1,
      at,
      last ? text(last.hash) : GENESIS_HASH,
    )
    const hash = hashEntry(entry)
    insert.run(
      entry.seq,
      entry.at.getTime(),
      entry.type,
      entry.actor,
      orNull(entry.subject),
      toJson(entry.data),
      entry.prevHash,
      hash,
    )
    setHead.run(entry.seq, hash)
    return { ...entry, hash }
  }
}

export function createAuditStore(db: EmbeddedDatabase): AuditStore {
  const append = createAuditAppender(db)
  const head = db.statement('SELECT seq, hash FROM audit_head WHERE id = 1')
  const checkpoint = db.statement('SELECT seq, hash, at, mac FROM audit_checkpoint WHERE id = 1')
  const setCheckpoint =
    db.statement(`INSERT INTO audit_checkpoint (id, seq, hash, at, mac) VALUES (1, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at, mac = excluded.mac`)
  const prune = db.statement('DELETE FROM audit_events WHERE seq <= ?')
  return {
    checkpoint: () =>
      guarded(() => {
        const row = checkpoint.get()
        return row
          ? { seq: Number(row.seq), hash: text(row.hash), at: date(row.at), mac: text(row.mac) }
          : undefined
      }),
    prune: (cp) =>
      guarded(() =>
        db.transaction(() => {
          const removed = Number(prune.run(cp.seq).changes)
          setCheckpoint.run(cp.seq, cp.hash, cp.at.getTime(), cp.mac)
          return removed
        }),
      ),
    append: (event, at, hashEntry) => guarded(() => db.transaction(() => append(event, at, hashEntry))),
    list: (filter) => guarded(() => listAudit(db, filter)),
    head: () =>
      guarded(() => {
        const row = head.get()
        return row ? { seq: Number(row.seq), hash: text(row.hash) } : undefined
      }),
  }
}

function listAudit(db: EmbeddedDatabase, filter: AuditFilter): AuditEntry[] {
  const where: string[] = []
  const params: Record<string, string | number> = {}
  if (filter.afterSeq !== undefined) {
    where.push('seq > :after_seq')
    params.after_seq = filter.afterSeq
  }
  if (filter.beforeSeq !== undefined) {
    where.push('seq < :before_seq')
    params.before_seq = filter.beforeSeq
  }
  for (const column of ['type', 'actor', 'subject'] as const) {
    const value = filter[column]
    if (value !== undefined) {
      where.push(`${column} = :${column}`)
      params[column] = value
    }
  }
  if (filter.text) {
    // LIKE ignores ASCII case; the needle's own % and _ match literally.
    where.push(
      `(type || ' ' || actor || ' ' || coalesce(subject, '') || ' ' || coalesce(data, '')) LIKE :text ESCAPE '\\'`,
    )
    params.text = `%${escapeLike(filter.text)}%`
  }
  if (filter.since !== undefined) {
    where.push('at >= :since')
    params.since = filter.since.getTime()
  }
  if (filter.until !== undefined) {
    where.push('at < :until')
    params.until = filter.until.getTime()
  }
  if (filter.limit !== undefined) params.limit = filter.limit
  const sql = `SELECT * FROM audit_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
    ORDER BY seq ${filter.descending ? 'DESC' : 'ASC'}${filter.limit !== undefined ? ' LIMIT :limit' : ''}`
  return db.statement(sql).all(params).map(toAuditEntry)
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`)

function toAuditEntry(row: Row): AuditEntry {
  const entry: AuditEntry = {
    seq: Number(row.seq),
    at: date(row.at),
    type: text(row.type) as AuditEntry['type'],
    actor: text(row.actor),
    prevHash: text(row.prev_hash),
    hash: text(row.hash),
  }
  if (row.subject !== null) entry.subject = text(row.subject)
  if (row.data !== null) entry.data = json<Record<string, unknown>>(row.data)
  return entry
}

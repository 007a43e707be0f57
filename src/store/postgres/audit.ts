import type { AuditEntry, AuditEventInput } from '../../core/audit/events.ts'
import { buildAuditEntry, GENESIS_HASH } from '../audit-entry.ts'
import type { AuditFilter, AuditStore, HashEntry } from '../store.ts'
import { LOCK_AUDIT, LOCK_NAMESPACE, type PgDatabase, type Query } from './database.ts'
import { int, orNull, withOptional, withoutNul } from './values.ts'

interface AuditRow {
  seq: string
  at: Date
  type: AuditEntry['type']
  actor: string
  subject: string | null
  data: Record<string, unknown> | null
  prev_hash: string
  hash: string
}

/** Appends one entry inside the caller's transaction, alone or with the write it audits. The advisory lock
 * serializes appenders across every gateway sharing the database: each reads the head only once the previous
 * appender committed, so the chain has no fork and seq no gap. */
export async function appendAudit(
  query: Query,
  event: AuditEventInput,
  at: Date,
  hashEntry: HashEntry,
): Promise<AuditEntry> {
  await query({
    name: 'tg.audit.lock',
    text: 'SELECT pg_advisory_xact_lock($1, $2)',
    values: [LOCK_NAMESPACE, LOCK_AUDIT],
  })
  const { rows } = await query<{ seq: string; hash: string }>({
    name: 'tg.audit.head',
    // The anchored head, not the newest row: with the newest rows deleted, the next entry leaves a gap.
    text: 'SELECT seq, hash FROM taskgate.audit_head WHERE id = 1',
  })
  const head = rows[0]
  const data = event.data && (JSON.parse(JSON.stringify(event.data, withoutNul)) as Record<string, unknown>)
  const entry = buildAuditEntry(
    { ...event, data },
    head ? int(head.seq) + 1 : 1,
    at,
    head?.hash ?? GENESIS_HASH,
  )
  const hash = hashEntry(entry)
  await query({
    name: 'tg.audit.insert',
    text: `INSERT INTO taskgate.audit_events (seq, at, type, actor, subject, data, prev_hash, hash)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    values: [
      entry.seq,
      entry.at,
      entry.type,
      entry.actor,
      orNull(entry.subject),
      entry.data === undefined ? null : JSON.stringify(entry.data),
      entry.prevHash,
      hash,
    ],
  })
  await query({
    name: 'tg.audit.set_head',
    text: `INSERT INTO taskgate.audit_head (id, seq, hash) VALUES (1, $1, $2)
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
    values: [entry.seq, hash],
  })
  return { ...entry, hash }
}

export function createAuditStore(db: PgDatabase): AuditStore {
  return {
    async checkpoint() {
      const { rows } = await db.query<{ seq: string; hash: string; at: Date; mac: string }>({
        name: 'tg.audit.checkpoint',
        text: 'SELECT seq, hash, at, mac FROM taskgate.audit_checkpoint WHERE id = 1',
      })
      const row = rows[0]
      return row ? { seq: int(row.seq), hash: row.hash, at: row.at, mac: row.mac } : undefined
    },
    prune: (cp) =>
      db.transaction(async (query) => {
        const { rowCount } = await query({
          name: 'tg.audit.prune',
          text: 'DELETE FROM taskgate.audit_events WHERE seq <= $1',
          values: [cp.seq],
        })
        await query({
          name: 'tg.audit.set_checkpoint',
          text: `INSERT INTO taskgate.audit_checkpoint (id, seq, hash, at, mac) VALUES (1, $1, $2, $3, $4)
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, at = excluded.at, mac = excluded.mac`,
          values: [cp.seq, cp.hash, cp.at, cp.mac],
        })
        return rowCount
      }),
    append: (event, at, hashEntry) => db.transaction((query) => appendAudit(query, event, at, hashEntry)),
    list: (filter) => listAudit(db, filter),
    async head() {
      const { rows } = await db.query<{ seq: string; hash: string }>({
        name: 'tg.audit.read_head',
        text: 'SELECT seq, hash FROM taskgate.audit_head WHERE id = 1',
      })
      const row = rows[0]
      return row ? { seq: int(row.seq), hash: row.hash } : undefined
    },
  }
}

async function listAudit(db: PgDatabase, filter: AuditFilter): Promise<AuditEntry[]> {
  const where: string[] = []
  const values: unknown[] = []
  const param = (value: unknown) => `$${values.push(value)}`
  if (filter.afterSeq !== undefined) where.push(`seq > ${param(filter.afterSeq)}`)
  if (filter.type !== undefined) where.push(`type = ${param(filter.type)}`)
  if (filter.actor !== undefined) where.push(`actor = ${param(filter.actor)}`)
  if (filter.subject !== undefined) where.push(`subject = ${param(filter.subject)}`)
  if (filter.text) {
    // The needle's own % and _ match literally; ILIKE ignores case.
    where.push(
      `concat_ws(' ', type, actor, subject, data::text) ILIKE ${param(`%${filter.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`,
    )
  }
  if (filter.since !== undefined) where.push(`at >= ${param(filter.since)}`)
  if (filter.until !== undefined) where.push(`at < ${param(filter.until)}`)
  const limit = filter.limit !== undefined ? ` LIMIT ${param(filter.limit)}` : ''
  const { rows } = await db.query<AuditRow>({
    text: `SELECT * FROM taskgate.audit_events${where.length ? ` WHERE ${where.join(' AND ')}` : ''}
      ORDER BY seq ${filter.descending ? 'DESC' : 'ASC'}${limit}`,
    values,
  })
  return rows.map(toAuditEntry)
}

function toAuditEntry(row: AuditRow): AuditEntry {
  return withOptional<AuditEntry>(
    {
      seq: int(row.seq),
      at: row.at,
      type: row.type,
      actor: row.actor,
      prevHash: row.prev_hash,
      hash: row.hash,
    },
    { subject: row.subject, data: row.data },
  )
}

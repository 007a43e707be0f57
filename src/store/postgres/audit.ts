import type { AuditEntry, AuditEventInput } from '../../core/audit/events.ts'
import { buildAuditEntry, GENESIS_HASH } from '../audit-entry.ts'
import type { AuditFilter, AuditStore, HashEntry } from '../store.ts'
import type { AuditWriter } from './audit-writer.ts'
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
  const head = await lockAuditHead(query)
  const [entry] = chainEntries([{ event, at, hashEntry }], head)
  await writeAuditEntries(query, [entry!])
  return entry!
}

/** Takes the chain's lock for the rest of the caller's transaction and reads its head. */
export async function lockAuditHead(query: Query): Promise<{ seq: number; hash: string } | undefined> {
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
  return head && { seq: int(head.seq), hash: head.hash }
}

/** The entries for `events`, chained in order after `head` and hashed. */
export function chainEntries(
  events: ReadonlyArray<{ event: AuditEventInput; at: Date; hashEntry: HashEntry }>,
  head: { seq: number; hash: string } | undefined,
): AuditEntry[] {
  let seq = head?.seq ?? 0
  let prevHash = head?.hash ?? GENESIS_HASH
  return events.map(({ event, at, hashEntry }) => {
    const data = event.data && (JSON.parse(JSON.stringify(event.data, withoutNul)) as Record<string, unknown>)
    const entry = buildAuditEntry({ ...event, data }, ++seq, at, prevHash)
    prevHash = hashEntry(entry)
    return { ...entry, hash: prevHash }
  })
}

// All entries in one statement: a JSON array of rows, `data` as its JSON text (the column is json, which
// keeps exactly the text given: the bytes that were hashed).
const INSERT_ENTRIES = `INSERT INTO taskgate.audit_events (seq, at, type, actor, subject, data, prev_hash, hash)
  SELECT seq, at, type, actor, subject, data::json, prev_hash, hash
  FROM json_to_recordset($1::json) AS a (seq bigint, at timestamptz, type text, actor text, subject text,
    data text, prev_hash text, hash text)`

/** Inserts `entries` (from chainEntries, under the lock) and moves the head to the last. */
export async function writeAuditEntries(query: Query, entries: readonly AuditEntry[]): Promise<void> {
  const last = entries.at(-1)
  if (!last) return
  await query({
    name: 'tg.audit.insert_batch',
    text: INSERT_ENTRIES,
    values: [
      JSON.stringify(
        entries.map((e) => ({
          seq: e.seq,
          at: e.at,
          type: e.type,
          actor: e.actor,
          subject: orNull(e.subject),
          data: e.data === undefined ? null : JSON.stringify(e.data),
          prev_hash: e.prevHash,
          hash: e.hash,
        })),
      ),
    ],
  })
  await query({
    name: 'tg.audit.set_head',
    text: `INSERT INTO taskgate.audit_head (id, seq, hash) VALUES (1, $1, $2)
            ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
    values: [last.seq, last.hash],
  })
}

export function createAuditStore(db: PgDatabase, writer: AuditWriter): AuditStore {
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
    append: (event, at, hashEntry) => writer.append(event, at, hashEntry),
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
  if (filter.beforeSeq !== undefined) where.push(`seq < ${param(filter.beforeSeq)}`)
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

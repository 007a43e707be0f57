import type { AuditSinkStore } from '../store.ts'
import type { PgDatabase, Query } from './database.ts'
import { int } from './values.ts'

interface DeadLetterRow {
  sink_id: string
  from_seq: string
  to_seq: string
  attempts: number
  reason: string
  at: Date
}

const ADVANCE = `INSERT INTO taskgate.audit_sink_cursors (sink_id, seq, updated_at) VALUES ($1, $2, $3)
  ON CONFLICT (sink_id) DO UPDATE SET seq = greatest(taskgate.audit_sink_cursors.seq, excluded.seq),
  updated_at = excluded.updated_at`

const advance = (query: Query, sinkId: string, seq: number, at: Date) =>
  query({ name: 'tg.audit_sinks.advance', text: ADVANCE, values: [sinkId, seq, at] })

export function createAuditSinkStore(db: PgDatabase): AuditSinkStore {
  return {
    async list() {
      const { rows } = await db.query<{
        sink_id: string
        seq: string
        updated_at: Date
        dead_lettered: string
      }>({
        name: 'tg.audit_sinks.list',
        text: `SELECT c.sink_id, c.seq, c.updated_at,
            coalesce((SELECT sum(d.to_seq - d.from_seq + 1) FROM taskgate.audit_dead_letters d
              WHERE d.sink_id = c.sink_id), 0) AS dead_lettered
          FROM taskgate.audit_sink_cursors c ORDER BY c.sink_id`,
      })
      return rows.map((row) => ({
        sinkId: row.sink_id,
        seq: int(row.seq),
        updatedAt: row.updated_at,
        deadLettered: int(row.dead_lettered),
      }))
    },
    async cursor(sinkId) {
      const { rows } = await db.query<{ seq: string }>({
        name: 'tg.audit_sinks.cursor',
        text: 'SELECT seq FROM taskgate.audit_sink_cursors WHERE sink_id = $1',
        values: [sinkId],
      })
      return rows[0] ? int(rows[0].seq) : 0
    },
    async advance(sinkId, seq, at) {
      await advance(db.query, sinkId, seq, at)
    },
    async deadLetter(letter) {
      await db.transaction(async (query) => {
        await query({
          name: 'tg.audit_sinks.dead_letter',
          text: `INSERT INTO taskgate.audit_dead_letters (sink_id, from_seq, to_seq, attempts, reason, at)
            VALUES ($1, $2, $3, $4, $5, $6)`,
          values: [letter.sinkId, letter.fromSeq, letter.toSeq, letter.attempts, letter.reason, letter.at],
        })
        await advance(query, letter.sinkId, letter.toSeq, letter.at)
      })
    },
    async listDeadLetters(sinkId, limit) {
      const { rows } = await db.query<DeadLetterRow>({
        name: 'tg.audit_sinks.list_dead_letters',
        text: 'SELECT * FROM taskgate.audit_dead_letters WHERE sink_id = $1 ORDER BY id DESC LIMIT $2',
        values: [sinkId, limit],
      })
      return rows.map((row) => ({
        sinkId: row.sink_id,
        fromSeq: int(row.from_seq),
        toSeq: int(row.to_seq),
        attempts: row.attempts,
        reason: row.reason,
        at: row.at,
      }))
    },
  }
}

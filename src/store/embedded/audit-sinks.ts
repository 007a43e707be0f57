import type { AuditDeadLetter, AuditSinkStore } from '../store.ts'
import { type EmbeddedDatabase, guarded } from './database.ts'
import { date, type Row, text } from './values.ts'

export function createAuditSinkStore(db: EmbeddedDatabase): AuditSinkStore {
  const list = db.statement(`SELECT c.sink_id, c.seq, c.updated_at,
      coalesce((SELECT sum(d.to_seq - d.from_seq + 1) FROM audit_dead_letters d WHERE d.sink_id = c.sink_id), 0)
        AS dead_lettered
    FROM audit_sink_cursors c ORDER BY c.sink_id`)
  const cursor = db.statement('SELECT seq FROM audit_sink_cursors WHERE sink_id = ?')
  const advance = db.statement(`INSERT INTO audit_sink_cursors (sink_id, seq, updated_at) VALUES (?, ?, ?)
    ON CONFLICT (sink_id) DO UPDATE SET seq = max(seq, excluded.seq), updated_at = excluded.updated_at`)
  const insertLetter =
    db.statement(`INSERT INTO audit_dead_letters (sink_id, from_seq, to_seq, attempts, reason, at)
    VALUES (?, ?, ?, ?, ?, ?)`)
  const listLetters = db.statement(
    'SELECT * FROM audit_dead_letters WHERE sink_id = ? ORDER BY id DESC LIMIT ?',
  )
  return {
    list: () =>
      guarded(() =>
        list.all().map((row) => ({
          sinkId: text(row.sink_id),
          seq: Number(row.seq),
          updatedAt: date(row.updated_at),
          deadLettered: Number(row.dead_lettered),
        })),
      ),
    cursor: (sinkId) => guarded(() => Number(cursor.get(sinkId)?.seq ?? 0)),
    advance: (sinkId, seq, at) =>
      guarded(() => {
        advance.run(sinkId, seq, at.getTime())
      }),
    deadLetter: (letter) =>
      guarded(() =>
        db.transaction(() => {
          const { sinkId, fromSeq, toSeq, attempts, reason, at } = letter
          insertLetter.run(sinkId, fromSeq, toSeq, attempts, reason, at.getTime())
          advance.run(sinkId, toSeq, at.getTime())
        }),
      ),
    listDeadLetters: (sinkId, limit) => guarded(() => listLetters.all(sinkId, limit).map(toDeadLetter)),
  }
}

function toDeadLetter(row: Row): AuditDeadLetter {
  return {
    sinkId: text(row.sink_id),
    fromSeq: Number(row.from_seq),
    toSeq: Number(row.to_seq),
    attempts: Number(row.attempts),
    reason: text(row.reason),
    at: date(row.at),
  }
}

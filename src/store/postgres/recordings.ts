import type { LegalHold, RecordingPrunePolicy, RecordingStore } from '../store.ts'
import type { PgDatabase } from './database.ts'

// Sessions a policy may prune: ended, of the policy's resources, not under a legal hold.
const PRUNABLE = `s.ended_at IS NOT NULL AND s.resource_id = ANY($1::text[])
  AND NOT EXISTS (SELECT 1 FROM taskgate.session_legal_holds h WHERE h.session_id = s.id)`

export function createRecordingStore(db: PgDatabase): RecordingStore {
  return {
    async hold(h: LegalHold) {
      const { rowCount } = await db.query({
        name: 'tg.recordings.hold',
        text: `INSERT INTO taskgate.session_legal_holds (session_id, reason, held_by, held_at)
          SELECT id, $2, $3, $4 FROM taskgate.sessions WHERE id = $1
          ON CONFLICT (session_id) DO UPDATE SET reason = excluded.reason, held_by = excluded.held_by,
            held_at = excluded.held_at`,
        values: [h.sessionId, h.reason, h.heldBy, h.heldAt],
      })
      return rowCount > 0
    },
    async release(sessionId) {
      const { rowCount } = await db.query({
        name: 'tg.recordings.release',
        text: 'DELETE FROM taskgate.session_legal_holds WHERE session_id = $1',
        values: [sessionId],
      })
      return rowCount > 0
    },
    async getHold(sessionId) {
      const { rows } = await db.query<{ session_id: string; reason: string; held_by: string; held_at: Date }>(
        {
          name: 'tg.recordings.get_hold',
          text: 'SELECT * FROM taskgate.session_legal_holds WHERE session_id = $1',
          values: [sessionId],
        },
      )
      const row = rows[0]
      return row
        ? { sessionId: row.session_id, reason: row.reason, heldBy: row.held_by, heldAt: row.held_at }
        : undefined
    },
    prune: (policy: RecordingPrunePolicy) =>
      db.transaction(async (query) => {
        const ids = new Set<string>()
        const resources = [...policy.resourceIds]
        if (policy.endedBefore) {
          const { rows } = await query<{ id: string }>({
            text: `SELECT s.id FROM taskgate.sessions s WHERE ${PRUNABLE} AND s.ended_at < $2
              AND EXISTS (SELECT 1 FROM taskgate.session_actions a WHERE a.session_id = s.id)`,
            values: [resources, policy.endedBefore],
          })
          for (const row of rows) ids.add(row.id)
        }
        if (policy.maxBytes !== undefined) {
          // Newest first, each session's bytes added to a running total; the ones past the budget go.
          const { rows } = await query<{ id: string }>({
            text: `SELECT id FROM (
                SELECT s.id, s.ended_at, s.resource_id,
                  sum(b.bytes) OVER (ORDER BY s.started_at DESC, s.id ROWS UNBOUNDED PRECEDING) AS running
                FROM taskgate.sessions s JOIN (SELECT session_id,
                    sum(octet_length(text) + coalesce(octet_length(result::text), 0)) AS bytes
                  FROM taskgate.session_actions GROUP BY session_id) b ON b.session_id = s.id
                WHERE s.resource_id = ANY($1::text[])
              ) s WHERE running > $2 AND ${PRUNABLE}`,
            values: [resources, policy.maxBytes],
          })
          for (const row of rows) ids.add(row.id)
        }
        if (ids.size > 0)
          await query({
            text: 'DELETE FROM taskgate.session_actions WHERE session_id = ANY($1::text[])',
            values: [[...ids]],
          })
        return ids.size
      }),
  }
}

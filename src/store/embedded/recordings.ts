import type { LegalHold, RecordingPrunePolicy, RecordingStore } from '../store.ts'
import { type EmbeddedDatabase, guarded } from './database.ts'
import { date, text } from './values.ts'

// Sessions a policy may prune: ended, of the policy's resources, not under a legal hold.
const PRUNABLE = `s.ended_at IS NOT NULL AND s.resource_id IN (SELECT value FROM json_each(:resources))
  AND NOT EXISTS (SELECT 1 FROM session_legal_holds h WHERE h.session_id = s.id)`

export function createRecordingStore(db: EmbeddedDatabase): RecordingStore {
  const hold = db.statement(`INSERT INTO session_legal_holds (session_id, reason, held_by, held_at)
    SELECT id, ?, ?, ? FROM sessions WHERE id = ?
    ON CONFLICT (session_id) DO UPDATE SET reason = excluded.reason, held_by = excluded.held_by, held_at = excluded.held_at`)
  const release = db.statement('DELETE FROM session_legal_holds WHERE session_id = ?')
  const getHold = db.statement('SELECT * FROM session_legal_holds WHERE session_id = ?')
  const byAge = db.statement(`SELECT s.id FROM sessions s WHERE ${PRUNABLE} AND s.ended_at < :before
    AND (EXISTS (SELECT 1 FROM session_actions a WHERE a.session_id = s.id)
      OR EXISTS (SELECT 1 FROM session_action_packs p WHERE p.session_id = s.id))`)
  // Newest first, each session's bytes added to a running total; the ones past the budget go.
  const bySize = db.statement(`SELECT id FROM (
      SELECT s.id, s.ended_at, s.resource_id,
        sum(b.bytes) OVER (ORDER BY s.started_at DESC, s.id ROWS UNBOUNDED PRECEDING) AS running
      FROM sessions s JOIN (SELECT session_id, sum(bytes) AS bytes FROM (
          SELECT session_id, length(text) + coalesce(length(result), 0) AS bytes FROM session_actions
          UNION ALL SELECT session_id, bytes FROM session_action_packs
        ) GROUP BY session_id) b ON b.session_id = s.id
      WHERE s.resource_id IN (SELECT value FROM json_each(:resources))
    ) s WHERE running > :max_bytes AND ${PRUNABLE}`)
  const removeActions = db.statement('DELETE FROM session_actions WHERE session_id = ?')
  const removePacks = db.statement('DELETE FROM session_action_packs WHERE session_id = ?')
  return {
    hold: (h: LegalHold) =>
      guarded(() => Number(hold.run(h.reason, h.heldBy, h.heldAt.getTime(), h.sessionId).changes) > 0),
    release: (sessionId) => guarded(() => Number(release.run(sessionId).changes) > 0),
    getHold: (sessionId) =>
      guarded(() => {
        const row = getHold.get(sessionId)
        return row
          ? {
              sessionId: text(row.session_id),
              reason: text(row.reason),
              heldBy: text(row.held_by),
              heldAt: date(row.held_at),
            }
          : undefined
      }),
    prune: (policy: RecordingPrunePolicy) =>
      guarded(() =>
        db.transaction(() => {
          const resources = JSON.stringify(policy.resourceIds)
          const ids = new Set<string>()
          if (policy.endedBefore)
            for (const row of byAge.all({ resources, before: policy.endedBefore.getTime() }))
              ids.add(text(row.id))
          if (policy.maxBytes !== undefined)
            for (const row of bySize.all({ resources, max_bytes: policy.maxBytes })) ids.add(text(row.id))
          for (const id of ids) {
            removeActions.run(id)
            removePacks.run(id)
          }
          return ids.size
        }),
      ),
  }
}

// One grant and what it was used for: its sessions.
import { useEffect, useState } from 'react'
import { call, type Grant, type SessionSummary } from '../api/client.ts'
import { useEvents } from '../api/use-events.ts'
import { errorMessage, formatTime } from '../components/format.ts'
import { StatusBadge } from '../components/outcome.tsx'
import { SessionTable } from './sessions.tsx'

export function GrantPage({ id }: { id: string }) {
  const [grant, setGrant] = useState<Grant>()
  const [sessions, setSessions] = useState<SessionSummary[]>([])
  const [error, setError] = useState<string>()
  const loadSessions = () =>
    call('listSessions', { query: { grant: id, limit: 500 } })
      .then(({ sessions: list }) => setSessions(list))
      .catch(() => {})
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the id changes, nothing else
  useEffect(() => {
    call('getGrant', { params: { id } })
      .then(setGrant)
      .catch((failure) => setError(errorMessage(failure)))
    void loadSessions()
  }, [id])
  useEvents({
    onOpen: () =>
      call('getGrant', { params: { id } })
        .then(setGrant)
        .catch(() => {}),
    onGrant: (changed) => {
      if (changed.id !== id) return
      setGrant(changed)
      // Ending a grant closes its sessions: show their end.
      setTimeout(() => void loadSessions(), 300)
    },
  })

  if (error) return <p className="error">{error}</p>
  if (!grant) return <p className="loading">Loading…</p>
  return (
    <section aria-labelledby="grant-title">
      <h1 id="grant-title">
        Grant <code>{grant.id}</code> <StatusBadge status={grant.status} />
      </h1>
      <dl className="facts">
        <dt>Principal</dt>
        <dd>{grant.principalName}</dd>
        <dt>Resource</dt>
        <dd>
          <code>{grant.resourceId}</code>
        </dd>
        <dt>Scope</dt>
        <dd>
          <code>{grant.scope.join(', ')}</code>
        </dd>
        <dt>Task</dt>
        <dd>{grant.task}</dd>
        <dt>Requested</dt>
        <dd>{formatTime(grant.requestedAt)}</dd>
        <dt>Active</dt>
        <dd>
          {formatTime(grant.activatedAt)} → {formatTime(grant.endedAt ?? grant.expiresAt)}
        </dd>
        <dt>Decision</dt>
        <dd>{grant.decisionReason ?? '—'}</dd>
        {grant.endReason ? (
          <>
            <dt>Ended</dt>
            <dd>{grant.endReason}</dd>
          </>
        ) : null}
      </dl>
      <h2>Sessions under this grant</h2>
      <SessionTable sessions={sessions} />
    </section>
  )
}

// One grant and what it was used for: its sessions. Approvers and admins revoke it here, saying why.
import { useEffect, useState } from 'react'
import { call, type Grant } from '../api/client.ts'
import { useEvents } from '../api/use-events.ts'
import { BudgetMeter } from '../components/budget-meter.tsx'
import { errorMessage, formatSpan } from '../components/format.ts'
import { StatusBadge } from '../components/outcome.tsx'
import { Breadcrumbs, usePageTitle } from '../components/page.tsx'
import { ReasonAction } from '../components/reason-action.tsx'
import { Time } from '../components/time.tsx'
import { Link } from '../router.tsx'
import { useMe } from '../session-context.ts'
import { type SessionRow, SessionTable } from './sessions.tsx'

export function GrantPage({ id }: { id: string }) {
  const [grant, setGrant] = useState<Grant>()
  const [sessions, setSessions] = useState<SessionRow[]>([])
  const [error, setError] = useState<string>()
  const [status, setStatus] = useState('')
  const me = useMe()
  usePageTitle(`Grant ${id}`)
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

  const live = grant?.status === 'active' || grant?.status === 'pending'
  return (
    <section aria-labelledby="grant-title">
      <Breadcrumbs trail={[{ to: '/grants', label: 'Grants' }]} current={id} />
      <h1 id="grant-title">
        Grant <code>{id}</code> {grant ? <StatusBadge status={grant.status} /> : null}
      </h1>
      {error ? <p className="error">{error}</p> : null}
      {!grant && !error ? <p className="loading">Loading…</p> : null}
      {grant ? (
        <>
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
            <dd>
              <Time iso={grant.requestedAt} /> for {formatSpan(grant.ttlSeconds * 1000)}
            </dd>
            <dt>Active from</dt>
            <dd>
              <Time iso={grant.activatedAt} />
            </dd>
            <dt>{grant.endedAt ? 'Ended' : 'Expires'}</dt>
            <dd>
              <Time iso={grant.endedAt ?? grant.expiresAt} />
              {grant.endReason ? ` (${grant.endReason})` : ''}
            </dd>
            <dt>Decision</dt>
            <dd>
              {grant.decisionReason ?? '—'}
              {grant.approvalId ? (
                <>
                  {' '}
                  (<Link to={`/approvals/${encodeURIComponent(grant.approvalId)}`}>approval</Link>)
                </>
              ) : null}
            </dd>
          </dl>
          {live && grant.principalId === me.id ? (
            <div className="actions">
              <button
                type="button"
                className="small"
                onClick={async () => {
                  try {
                    setGrant(await call('endGrant', { params: { id: grant.id } }))
                    setStatus(`Grant ${grant.id} ended: the task is done.`)
                    setTimeout(() => void loadSessions(), 400)
                  } catch (failure) {
                    setStatus(errorMessage(failure))
                  }
                }}
              >
                Task done: end this grant
              </button>
            </div>
          ) : null}
          {live && grant.principalId !== me.id ? (
            <div className="actions">
              <ReasonAction
                label="Revoke grant"
                target={grant.id}
                confirmLabel="Confirm revoke"
                onConfirm={async (reason) => {
                  setGrant(await call('revokeGrant', { params: { id: grant.id }, body: { reason } }))
                  setStatus(`Grant ${grant.id} revoked; its sessions are closed.`)
                  setTimeout(() => void loadSessions(), 400)
                }}
              />
            </div>
          ) : null}
          <p role="status" className="muted">
            {status}
          </p>
          <BudgetMeter grantId={grant.id} live={live} initial={grant.budget} />
          <h2>Sessions under this grant</h2>
          <SessionTable sessions={sessions} onChanged={() => void loadSessions()} />
        </>
      ) : null}
    </section>
  )
}

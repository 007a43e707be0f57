// Recorded sessions to triage: task, principal, resource, duration, statement and denial counts and live
// state, each filterable (filters live in the URL); a live session can be ended from its row.
import { type FormEvent, useEffect, useState } from 'react'
import { call, type Response } from '../api/client.ts'
import { errorMessage, formatSpan } from '../components/format.ts'
import { usePageTitle } from '../components/page.tsx'
import { ReasonAction } from '../components/reason-action.tsx'
import { Time, useNow } from '../components/time.tsx'
import { Link, navigate } from '../router.tsx'

export type SessionRow = Response<'listSessions'>['sessions'][number]

const TEXT_FILTERS = ['task', 'principal', 'resource', 'grant', 'since', 'until', 'state'] as const

export function SessionsPage({ search }: { search: URLSearchParams }) {
  const [sessions, setSessions] = useState<SessionRow[]>()
  const [error, setError] = useState<string>()
  const key = search.toString()
  usePageTitle(sessions ? `Sessions (${sessions.length})` : 'Sessions')

  const load = () => {
    const query: Record<string, string | number> = { limit: 500 }
    for (const name of TEXT_FILTERS) {
      const value = search.get(name)
      if (value) query[name] = name === 'since' || name === 'until' ? new Date(value).toISOString() : value
    }
    if (search.get('deniedOnly') === 'true') query.deniedOnly = 'true'
    return call('listSessions', { query })
      .then(({ sessions: list }) => {
        setError(undefined)
        setSessions(list)
      })
      .catch((failure) => setError(errorMessage(failure)))
  }
  // biome-ignore lint/correctness/useExhaustiveDependencies: `search` is new each render; its text is what matters
  useEffect(() => {
    setSessions(undefined)
    void load()
  }, [key])

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const next = new URLSearchParams()
    for (const name of TEXT_FILTERS) {
      const value = String(data.get(name) ?? '').trim()
      if (value) next.set(name, value)
    }
    if (data.get('deniedOnly')) next.set('deniedOnly', 'true')
    navigate(`/sessions${next.size ? `?${next}` : ''}`)
  }

  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <form className="filters" onSubmit={apply} key={key} aria-label="Filter sessions">
        <label>
          Task contains
          <input name="task" defaultValue={search.get('task') ?? ''} />
        </label>
        <label>
          Principal id
          <input name="principal" defaultValue={search.get('principal') ?? ''} placeholder="sa:billing-bot" />
        </label>
        <label>
          Resource
          <input name="resource" defaultValue={search.get('resource') ?? ''} />
        </label>
        <label>
          State
          <select name="state" defaultValue={search.get('state') ?? ''}>
            <option value="">any</option>
            <option value="live">live</option>
            <option value="ended">ended</option>
          </select>
        </label>
        <label>
          Started after
          <input name="since" type="datetime-local" defaultValue={search.get('since') ?? ''} />
        </label>
        <label>
          Started before
          <input name="until" type="datetime-local" defaultValue={search.get('until') ?? ''} />
        </label>
        <label className="checkbox">
          <input name="deniedOnly" type="checkbox" defaultChecked={search.get('deniedOnly') === 'true'} />
          <span>Only sessions with denials</span>
        </label>
        {search.get('grant') ? <input type="hidden" name="grant" value={search.get('grant') ?? ''} /> : null}
        <button type="submit" className="primary">
          Apply
        </button>
      </form>
      {error ? <p className="error">{error}</p> : null}
      {sessions ? <SessionTable sessions={sessions} onChanged={load} /> : <p className="loading">Loading…</p>}
    </section>
  )
}

export function SessionTable({ sessions, onChanged }: { sessions: SessionRow[]; onChanged: () => void }) {
  const now = useNow()
  if (sessions.length === 0) return <p className="empty">No sessions.</p>
  return (
    <div className="table-scroll">
      <table className="table sessions">
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Task</th>
            <th scope="col">Principal</th>
            <th scope="col">Resource</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col" className="number">
              Statements
            </th>
            <th scope="col" className="number">
              Denied
            </th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => (
            <tr key={s.id} data-session-id={s.id}>
              <td>
                <Link to={`/sessions/${encodeURIComponent(s.id)}`}>{s.id}</Link>
              </td>
              <td className="task-cell">{s.task}</td>
              <td>{s.principalName}</td>
              <td>
                <code>{s.resourceId}</code> <span className="muted">{s.protocol}</span>
                <div className="muted">{s.client}</div>
              </td>
              <td>
                <Time iso={s.startedAt} compact />
              </td>
              <td>
                {formatSpan(
                  (s.endedAt ? new Date(s.endedAt).getTime() : now) - new Date(s.startedAt).getTime(),
                )}
              </td>
              <td className="number">{s.actionCount.toLocaleString()}</td>
              <td className="number">
                {s.deniedCount > 0 ? (
                  <span className="badge badge-deny">{s.deniedCount.toLocaleString()}</span>
                ) : (
                  '0'
                )}
              </td>
              <td>
                {s.endedAt ? (
                  <>
                    <span className="badge badge-status-ended">ended</span>
                    {s.endReason ? <div className="muted">{s.endReason}</div> : null}
                  </>
                ) : (
                  <div className="row-actions">
                    <span className="badge badge-status-active">live</span>
                    <EndSession id={s.id} onEnded={onChanged} />
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** Ends one live session (approvers and admins); the grant stays active. */
export function EndSession({ id, onEnded }: { id: string; onEnded: () => void }) {
  return (
    <ReasonAction
      label="End session"
      target={id}
      confirmLabel="Confirm end"
      onConfirm={async (reason) => {
        await call('endSession', { params: { id }, body: { reason } })
        // The protocol closes the connection and records the end a moment later.
        setTimeout(onEnded, 400)
      }}
    />
  )
}

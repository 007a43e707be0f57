// Recorded sessions, filtered by principal, resource, time and denials; filters live in the URL.
import { type FormEvent, useEffect, useState } from 'react'
import { call, type SessionSummary } from '../api/client.ts'
import { errorMessage, formatTime } from '../components/format.ts'
import { Link, navigate } from '../router.tsx'

const FILTERS = ['principal', 'resource', 'grant', 'since', 'until'] as const

export function SessionsPage({ search }: { search: URLSearchParams }) {
  const [sessions, setSessions] = useState<SessionSummary[]>()
  const [error, setError] = useState<string>()
  const key = search.toString()

  // biome-ignore lint/correctness/useExhaustiveDependencies: `search` is new each render; its text is what matters
  useEffect(() => {
    const query: Record<string, string | number> = { limit: 500 }
    for (const name of FILTERS) {
      const value = search.get(name)
      if (value) query[name] = name === 'since' || name === 'until' ? new Date(value).toISOString() : value
    }
    if (search.get('deniedOnly') === 'true') query.deniedOnly = 'true'
    setSessions(undefined)
    call('listSessions', { query })
      .then(({ sessions: list }) => setSessions(list))
      .catch((failure) => setError(errorMessage(failure)))
  }, [key])

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const next = new URLSearchParams()
    for (const name of FILTERS) {
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
          Principal id
          <input name="principal" defaultValue={search.get('principal') ?? ''} placeholder="sa:billing-bot" />
        </label>
        <label>
          Resource
          <input name="resource" defaultValue={search.get('resource') ?? ''} />
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
          Only sessions with denials
        </label>
        {search.get('grant') ? <input type="hidden" name="grant" value={search.get('grant') ?? ''} /> : null}
        <button type="submit" className="primary">
          Apply
        </button>
      </form>
      {error ? <p className="error">{error}</p> : null}
      {sessions ? <SessionTable sessions={sessions} /> : <p className="loading">Loading…</p>}
    </section>
  )
}

export function SessionTable({ sessions }: { sessions: SessionSummary[] }) {
  if (sessions.length === 0) return <p className="empty">No sessions.</p>
  return (
    <table className="table sessions">
      <thead>
        <tr>
          <th scope="col">Session</th>
          <th scope="col">Principal</th>
          <th scope="col">Resource</th>
          <th scope="col">Client</th>
          <th scope="col">Started</th>
          <th scope="col">Ended</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr key={s.id} data-session-id={s.id}>
            <td>
              <Link to={`/sessions/${encodeURIComponent(s.id)}`}>{s.id}</Link>
            </td>
            <td>{s.principalName}</td>
            <td>
              <code>{s.resourceId}</code> <span className="muted">{s.protocol}</span>
            </td>
            <td>{s.client}</td>
            <td>{formatTime(s.startedAt)}</td>
            <td>
              {s.endedAt ? formatTime(s.endedAt) : <span className="badge badge-status-active">live</span>}
              {s.endReason ? <div className="muted">{s.endReason}</div> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

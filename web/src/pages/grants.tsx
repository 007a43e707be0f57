// Grants by state, live; request one for a task; revoke someone's (approvers and admins). The state tabs
// follow the ARIA tabs pattern: one tab stop, arrow keys, Home and End move between them.
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react'
import { call, type Grant, type Response } from '../api/client.ts'
import { useEvents } from '../api/use-events.ts'
import { errorMessage } from '../components/format.ts'
import { StatusBadge } from '../components/outcome.tsx'
import { usePageTitle } from '../components/page.tsx'
import { ReasonAction } from '../components/reason-action.tsx'
import { Time } from '../components/time.tsx'
import { Link } from '../router.tsx'

const TABS = [
  { id: 'active', label: 'Active', statuses: ['active'] },
  { id: 'pending', label: 'Pending', statuses: ['pending'] },
  { id: 'ended', label: 'Ended', statuses: ['ended', 'denied'] },
] as const

export function GrantsPage() {
  const [grants, setGrants] = useState<Map<string, Grant>>(new Map())
  const [tab, setTab] = useState<(typeof TABS)[number]['id']>('active')
  const [error, setError] = useState<string>()
  const tabs = useRef<Array<HTMLButtonElement | null>>([])
  usePageTitle('Grants')

  const reload = () =>
    call('listGrants', { query: { all: 'true', limit: 500 } })
      .then(({ grants: list }) => setGrants(new Map(list.map((g) => [g.id, g]))))
      .catch((failure) => setError(errorMessage(failure)))
  const upsert = (grant: Grant) => setGrants((current) => new Map(current).set(grant.id, grant))
  useEvents({
    onOpen: reload,
    onGrant: upsert,
    // A new pending request announces itself as an approval; fetch its grant.
    onApproval: (approval) => {
      if (approval.subject === 'grant')
        call('getGrant', { params: { id: approval.grantId } })
          .then(upsert)
          .catch(() => {})
    },
  })

  const current = TABS.find((t) => t.id === tab)!
  const onTabKey = (event: KeyboardEvent) => {
    const at = TABS.findIndex((t) => t.id === tab)
    const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[event.key]
    if (next === undefined) return
    event.preventDefault()
    const index = (next + TABS.length) % TABS.length
    setTab(TABS[index]!.id)
    tabs.current[index]?.focus()
  }
  const shown = [...grants.values()]
    .filter((g) => (current.statuses as readonly string[]).includes(g.status))
    .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt))

  return (
    <section aria-labelledby="grants-title">
      <h1 id="grants-title">Grants</h1>
      <p className="muted">
        <Link to="/advice">Scope advice</Link>: what grants used of what they asked for, and narrower
        policies.
      </p>
      {error ? <p className="error">{error}</p> : null}
      <RequestGrantForm onRequested={upsert} />
      <div role="tablist" aria-label="Grant states" className="tabs" onKeyDown={onTabKey}>
        {TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(element) => {
              tabs.current[i] = element
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls="grants-panel"
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setTab(t.id)}
          >
            {t.label} (
            {[...grants.values()].filter((g) => (t.statuses as readonly string[]).includes(g.status)).length})
          </button>
        ))}
      </div>
      <div id="grants-panel" role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {shown.length === 0 ? <p className="empty">No {current.label.toLowerCase()} grants.</p> : null}
        <div className="table-scroll" hidden={shown.length === 0}>
          <table className="table grants">
            <thead>
              <tr>
                <th scope="col">Principal</th>
                <th scope="col">Resource and scope</th>
                <th scope="col">Task</th>
                <th scope="col">Status</th>
                <th scope="col">Window</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((grant) => (
                <GrantRow key={grant.id} grant={grant} onChanged={upsert} />
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </section>
  )
}

function GrantRow({ grant, onChanged }: { grant: Grant; onChanged: (g: Grant) => void }) {
  const live = grant.status === 'active' || grant.status === 'pending'
  return (
    <tr data-grant-id={grant.id}>
      <td>{grant.principalName}</td>
      <td>
        <code>{grant.resourceId}</code>
        <div className="scope-text">
          <code>{grant.scope.join(', ')}</code>
        </div>
      </td>
      <td>{grant.task}</td>
      <td>
        <StatusBadge status={grant.status} />
        {grant.endReason ? <div className="muted">{grant.endReason}</div> : null}
      </td>
      <td className="window">
        <div>
          from <Time iso={grant.activatedAt ?? grant.requestedAt} compact />
        </div>
        {grant.endedAt ? (
          <div>
            ended <Time iso={grant.endedAt} compact />
          </div>
        ) : grant.expiresAt ? (
          <div>
            expires <Time iso={grant.expiresAt} compact />
          </div>
        ) : null}
      </td>
      <td>
        <div className="row-actions">
          <Link to={`/grants/${encodeURIComponent(grant.id)}`}>
            Details<span className="visually-hidden"> of grant {grant.id}</span>
          </Link>
          {live ? (
            <ReasonAction
              label="Revoke"
              target={`grant ${grant.id}`}
              confirmLabel="Confirm revoke"
              onConfirm={async (reason) =>
                onChanged(await call('revokeGrant', { params: { id: grant.id }, body: { reason } }))
              }
            />
          ) : null}
        </div>
      </td>
    </tr>
  )
}

function RequestGrantForm({ onRequested }: { onRequested: (g: Grant) => void }) {
  const [resources, setResources] = useState<Response<'listResources'>['resources']>([])
  const [resource, setResource] = useState('')
  const [scope, setScope] = useState('')
  const [task, setTask] = useState('')
  const [ttl, setTtl] = useState('15m')
  const [result, setResult] = useState<Response<'requestGrant'>>()
  const [error, setError] = useState<string>()

  useEffect(() => {
    call('listResources')
      .then(({ resources: list }) => {
        setResources(list)
        setResource((current) => current || list[0]?.id || '')
      })
      .catch(() => {})
  }, [])

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    setResult(undefined)
    try {
      const outcome = await call('requestGrant', { body: { resource, scope, task, ttl } })
      setResult(outcome)
      onRequested(outcome.grant)
    } catch (failure) {
      setError(errorMessage(failure))
    }
  }
  const ceiling = resources.find((r) => r.id === resource)?.ceiling ?? []

  return (
    <details className="card request-grant">
      <summary>Request a grant</summary>
      <form onSubmit={submit} className="form-grid">
        <label htmlFor="grant-resource">Resource</label>
        <select id="grant-resource" value={resource} onChange={(event) => setResource(event.target.value)}>
          {resources.map((r) => (
            <option key={r.id} value={r.id}>
              {r.id} ({r.kind})
            </option>
          ))}
        </select>
        <label htmlFor="grant-scope">Scope</label>
        <input
          id="grant-scope"
          required
          placeholder="select:public.orders"
          value={scope}
          aria-describedby="grant-scope-help"
          onChange={(event) => setScope(event.target.value)}
        />
        <p id="grant-scope-help" className="help">
          verb:object entries, separated by commas. Your ceiling here: {ceiling.join(', ') || 'none'}.
        </p>
        <label htmlFor="grant-task">Task</label>
        <input id="grant-task" required value={task} onChange={(event) => setTask(event.target.value)} />
        <label htmlFor="grant-ttl">Duration</label>
        <input
          id="grant-ttl"
          required
          pattern="\d+[smhd]"
          value={ttl}
          onChange={(event) => setTtl(event.target.value)}
        />
        <button type="submit" className="primary">
          Request
        </button>
      </form>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {result ? (
        <div className="result" role="status">
          <p>
            Grant <code>{result.grant.id}</code> is <StatusBadge status={result.grant.status} />
            {result.denial ? ` — ${result.denial.reason}` : ''}
          </p>
          {result.credential ? (
            <p>
              Credential (shown once): user <code>{result.credential.username}</code>, password{' '}
              <code>{result.credential.password}</code>, at{' '}
              <code>
                {result.credential.connection.host}:{result.credential.connection.port}
              </code>
            </p>
          ) : null}
        </div>
      ) : null}
    </details>
  )
}

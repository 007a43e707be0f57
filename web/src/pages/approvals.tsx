// The approver's inbox: pending grant requests and held statements, live. Self-approval is impossible
// twice over: the button is disabled here and the server refuses (TG_SELF_APPROVAL). Every decision says
// why: both buttons wait for a reason, which the server requires too.
import { useState } from 'react'
import { type Approval, call } from '../api/client.ts'
import { useEvents } from '../api/use-events.ts'
import { errorMessage, formatTime } from '../components/format.ts'
import { StatusBadge } from '../components/outcome.tsx'
import { SqlText } from '../components/sql-text.tsx'
import { Link } from '../router.tsx'
import { useMe } from '../session-context.ts'

export function ApprovalsPage() {
  const [approvals, setApprovals] = useState<Map<string, Approval>>(new Map())
  const [error, setError] = useState<string>()
  const [announcement, setAnnouncement] = useState('')

  useEvents({
    onOpen: () =>
      call('listApprovals', { query: { limit: 200 } })
        .then(({ approvals: list }) => setApprovals(new Map(list.map((a) => [a.id, a]))))
        .catch((failure) => setError(errorMessage(failure))),
    onApproval: (approval) => {
      setApprovals((current) => new Map(current).set(approval.id, approval))
      if (approval.status === 'pending')
        setAnnouncement(`New request from ${approval.requesterName} on ${approval.resourceId}`)
    },
  })

  const all = [...approvals.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  const pending = all.filter((a) => a.status === 'pending')
  const decided = all.filter((a) => a.status !== 'pending').slice(0, 30)
  const update = (approval: Approval) =>
    setApprovals((current) => new Map(current).set(approval.id, approval))

  return (
    <section aria-labelledby="approvals-title">
      <h1 id="approvals-title">Approvals</h1>
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      {error ? <p className="error">{error}</p> : null}
      <h2>
        Pending <span className="count-inline">{pending.length}</span>
      </h2>
      {pending.length === 0 ? <p className="empty">Nothing is waiting for a decision.</p> : null}
      <ul className="cards" aria-label="Pending approvals">
        {pending.map((approval) => (
          <li key={approval.id}>
            <ApprovalCard approval={approval} onDecided={update} />
          </li>
        ))}
      </ul>
      <h2>Recently decided</h2>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Request</th>
            <th scope="col">Requester</th>
            <th scope="col">Outcome</th>
            <th scope="col">By</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {decided.map((a) => (
            <tr key={a.id}>
              <td>
                {a.subject === 'action' ? 'statement' : 'grant'} on {a.resourceId}
                <div className="summary">
                  {a.subject === 'action' ? <SqlText sql={a.summary} /> : a.summary}
                </div>
              </td>
              <td>{a.requesterName}</td>
              <td>
                <StatusBadge status={a.status} />
                {a.decisionReason ? <div className="muted">{a.decisionReason}</div> : null}
              </td>
              <td>{a.decidedByName ?? '—'}</td>
              <td>{formatTime(a.decidedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

function ApprovalCard({ approval, onDecided }: { approval: Approval; onDecided: (a: Approval) => void }) {
  const me = useMe()
  const [reason, setReason] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const own = approval.requesterId === me.id
  const titleId = `approval-${approval.id}`

  const why = reason.trim()
  const blocked = busy || own || why === ''

  const decide = async (verdict: 'approve' | 'deny') => {
    if (why === '') return
    setBusy(true)
    setError(undefined)
    try {
      const body = { reason: why }
      const decided =
        verdict === 'approve'
          ? await call('approveApproval', { params: { id: approval.id }, body })
          : await call('denyApproval', { params: { id: approval.id }, body })
      onDecided(decided)
    } catch (failure) {
      setError(errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }

  return (
    <article className="card approval" aria-labelledby={titleId} data-approval-id={approval.id}>
      <h3 id={titleId}>
        {approval.subject === 'action' ? 'Held statement' : 'Grant request'} on{' '}
        <code>{approval.resourceId}</code>
      </h3>
      <dl className="facts">
        <dt>Requester</dt>
        <dd>{approval.requesterName}</dd>
        <dt>Task</dt>
        <dd>{approval.task}</dd>
        <dt>{approval.subject === 'action' ? 'Statement' : 'Scope'}</dt>
        <dd>
          {approval.subject === 'action' ? (
            <pre className="statement">
              <SqlText sql={approval.summary} />
            </pre>
          ) : (
            <code>{approval.summary}</code>
          )}
        </dd>
        <dt>Rule</dt>
        <dd>
          <code>{approval.rule}</code>
        </dd>
        <dt>Reason</dt>
        <dd>{approval.reason}</dd>
        <dt>Expires</dt>
        <dd>{formatTime(approval.expiresAt)}</dd>
        <dt>Grant</dt>
        <dd>
          <Link to={`/grants/${encodeURIComponent(approval.grantId)}`}>{approval.grantId}</Link>
        </dd>
      </dl>
      <label htmlFor={`${titleId}-reason`}>Reason (required)</label>
      <textarea
        id={`${titleId}-reason`}
        rows={2}
        required
        aria-describedby={`${titleId}-reason-help`}
        value={reason}
        onChange={(event) => setReason(event.target.value)}
      />
      <p id={`${titleId}-reason-help`} className="muted">
        Say why you approve or deny: it is recorded with your decision and the requester sees it.
      </p>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={blocked}
          aria-describedby={own ? `${titleId}-own` : `${titleId}-reason-help`}
          onClick={() => decide('approve')}
        >
          Approve
        </button>
        <button
          type="button"
          className="danger"
          disabled={blocked}
          aria-describedby={own ? `${titleId}-own` : `${titleId}-reason-help`}
          onClick={() => decide('deny')}
        >
          Deny
        </button>
        {own ? (
          <span id={`${titleId}-own`} className="muted">
            This is your own request: another approver must decide it.
          </span>
        ) : null}
      </div>
    </article>
  )
}

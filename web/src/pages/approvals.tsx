// The approver's inbox: pending grant requests and held statements, live, each as an ApprovalCard (which
// shows the risk and asks for a reason). After a decision, the decision is announced and focus moves to
// the next card.
import { useRef, useState } from 'react'
import { type Approval, call } from '../api/client.ts'
import { useEvents } from '../api/use-events.ts'
import { ApprovalCard } from '../components/approval-card.tsx'
import { errorMessage } from '../components/format.ts'
import { StatusBadge } from '../components/outcome.tsx'
import { usePageTitle } from '../components/page.tsx'
import { SqlText } from '../components/sql-text.tsx'
import { Time } from '../components/time.tsx'
import { Link } from '../router.tsx'

export function ApprovalsPage() {
  const [approvals, setApprovals] = useState<Map<string, Approval>>(new Map())
  const [error, setError] = useState<string>()
  const [announcement, setAnnouncement] = useState('')
  const pendingHeading = useRef<HTMLHeadingElement>(null)

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
  usePageTitle(`Approvals (${pending.length})`)

  const onDecided = (approval: Approval) => {
    const index = pending.findIndex((a) => a.id === approval.id)
    const next = pending[index + 1] ?? pending[index - 1]
    setApprovals((current) => new Map(current).set(approval.id, approval))
    const verdict = approval.status === 'approved' ? 'Approved' : 'Denied'
    setAnnouncement(
      `${verdict}: ${describe(approval)}. ${next ? `Next: ${describe(next)}.` : 'Nothing else is waiting.'}`,
    )
    // The card leaves the list on the next render; focus what the approver works on next.
    setTimeout(() => {
      const target = next
        ? document.querySelector<HTMLElement>(`#approval-${next.id}`)
        : pendingHeading.current
      target?.focus()
    }, 0)
  }

  return (
    <section aria-labelledby="approvals-title">
      <h1 id="approvals-title">Approvals</h1>
      <p className="visually-hidden" aria-live="polite" data-testid="announcement">
        {announcement}
      </p>
      {error ? <p className="error">{error}</p> : null}
      <h2 ref={pendingHeading} tabIndex={-1}>
        Pending <span className="count-inline">{pending.length}</span>
      </h2>
      {pending.length === 0 ? <p className="empty">Nothing is waiting for a decision.</p> : null}
      <ul className="cards" aria-label="Pending approvals">
        {pending.map((approval) => (
          <li key={approval.id}>
            <ApprovalCard approval={approval} onDecided={onDecided} />
          </li>
        ))}
      </ul>
      <h2>Recently decided</h2>
      <div className="table-scroll">
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
                  <Link to={`/approvals/${encodeURIComponent(a.id)}`}>
                    {a.subject === 'action' ? 'statement' : 'grant'} on {a.resourceId}
                  </Link>
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
                <td>
                  <Time iso={a.decidedAt} compact />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}

function describe(a: Approval): string {
  return `${a.subject === 'action' ? 'held statement' : 'grant request'} from ${a.requesterName} on ${a.resourceId}`
}

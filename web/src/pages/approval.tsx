// One approval, as audit entries and the decided list link to it: the card to decide it while pending,
// otherwise who decided what, when and why.
import { useEffect, useState } from 'react'
import { type Approval, call } from '../api/client.ts'
import { useEvents } from '../api/use-events.ts'
import { ApprovalCard } from '../components/approval-card.tsx'
import { errorMessage } from '../components/format.ts'
import { StatusBadge } from '../components/outcome.tsx'
import { Breadcrumbs, usePageTitle } from '../components/page.tsx'
import { SqlText } from '../components/sql-text.tsx'
import { Time } from '../components/time.tsx'
import { Link } from '../router.tsx'

export function ApprovalPage({ id }: { id: string }) {
  const [approval, setApproval] = useState<Approval>()
  const [error, setError] = useState<string>()
  usePageTitle(`Approval ${id}`)
  useEffect(() => {
    call('getApproval', { params: { id } })
      .then(setApproval)
      .catch((failure) => setError(errorMessage(failure)))
  }, [id])
  useEvents({
    onApproval: (changed) => {
      if (changed.id === id) setApproval(changed)
    },
  })

  return (
    <section aria-labelledby="approval-title">
      <Breadcrumbs trail={[{ to: '/approvals', label: 'Approvals' }]} current={id} />
      <h1 id="approval-title">
        Approval <code>{id}</code> {approval ? <StatusBadge status={approval.status} /> : null}
      </h1>
      {error ? <p className="error">{error}</p> : null}
      {!approval && !error ? <p className="loading">Loading…</p> : null}
      {approval?.status === 'pending' ? (
        <ApprovalCard approval={approval} onDecided={setApproval} level={2} />
      ) : null}
      {approval && approval.status !== 'pending' ? (
        <dl className="facts">
          <dt>Request</dt>
          <dd>
            {approval.subject === 'action' ? (
              <pre className="statement">
                <SqlText sql={approval.summary} />
              </pre>
            ) : (
              <code>{approval.summary}</code>
            )}
          </dd>
          <dt>Requester</dt>
          <dd>{approval.requesterName}</dd>
          <dt>Task</dt>
          <dd>{approval.task}</dd>
          <dt>Why held</dt>
          <dd>
            {approval.reason} (rule <code className="rule">{approval.rule}</code>)
          </dd>
          <dt>Requested</dt>
          <dd>
            <Time iso={approval.createdAt} />
          </dd>
          <dt>Decided</dt>
          <dd>
            {approval.decidedByName ?? 'nobody'} <Time iso={approval.decidedAt} />
          </dd>
          <dt>Reason</dt>
          <dd>{approval.decisionReason ?? '—'}</dd>
          <dt>Grant</dt>
          <dd>
            <Link to={`/grants/${encodeURIComponent(approval.grantId)}`}>{approval.grantId}</Link>
          </dd>
        </dl>
      ) : null}
    </section>
  )
}

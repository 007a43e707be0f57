// One approval as an approver decides it, showing the risk: what a grant request widens beyond what is
// granted without asking, for how long, or the held statement (as recorded: masked) with its parameters,
// rule and row estimate, and "Why held" beside the approver's reason. Approve and Deny stay reachable by
// Tab but refuse (aria-disabled) until a reason is typed, which the server requires too; the requester
// cannot decide their own request (the server refuses it as well, TG_SELF_APPROVAL).
import { useRef, useState } from 'react'
import { type Approval, call } from '../api/client.ts'
import { Link } from '../router.tsx'
import { useMe } from '../session-context.ts'
import { ApprovalEvidence } from './approval-evidence.tsx'
import { errorMessage, formatRows, formatSpan, splitParameters } from './format.ts'
import { SqlText } from './sql-text.tsx'
import { Time } from './time.tsx'

export function ApprovalCard({
  approval,
  onDecided,
  level = 3,
}: {
  approval: Approval
  onDecided: (a: Approval) => void
  /** The card's heading level: 3 in the inbox (under "Pending"), 2 on an approval's own page. */
  level?: 2 | 3
}) {
  const Title = level === 2 ? 'h2' : 'h3'
  const Part = level === 2 ? 'h3' : 'h4'
  const me = useMe()
  const [reason, setReason] = useState('')
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const reasonField = useRef<HTMLTextAreaElement>(null)
  const own = approval.requesterId === me.id
  const titleId = `approval-${approval.id}`
  const why = reason.trim()
  const refused = busy || own || why === ''

  const decide = async (verdict: 'approve' | 'deny') => {
    if (own || busy) return
    if (why === '') {
      setError('Enter a reason first: it is recorded with your decision.')
      reasonField.current?.focus()
      return
    }
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
  const describedBy = own ? `${titleId}-own` : `${titleId}-reason-help`

  return (
    <article className="card approval" aria-labelledby={titleId} data-approval-id={approval.id}>
      <Title id={titleId} tabIndex={-1}>
        {approval.subject === 'action' ? 'Held statement' : 'Grant request'} on{' '}
        <code>{approval.resourceId}</code>
      </Title>
      <dl className="facts">
        <dt>Requester</dt>
        <dd>{approval.requesterName}</dd>
        <dt>Task</dt>
        <dd>{approval.task}</dd>
        <dt>Requested</dt>
        <dd>
          <Time iso={approval.createdAt} />
        </dd>
        <dt>Expires</dt>
        <dd>
          <Time iso={approval.expiresAt} />
        </dd>
        {approval.risk ? (
          <>
            <dt>Duration</dt>
            <dd>{formatSpan(approval.risk.ttlSeconds * 1000)} once approved</dd>
          </>
        ) : null}
        <dt>Grant</dt>
        <dd>
          <Link to={`/grants/${encodeURIComponent(approval.grantId)}`}>{approval.grantId}</Link>
        </dd>
      </dl>
      {approval.subject === 'action' ? (
        <HeldStatement approval={approval} Part={Part} />
      ) : (
        <RequestedScope approval={approval} Part={Part} />
      )}
      <ApprovalEvidence approval={approval} Part={Part} />
      <div className="why-grid">
        <div className="why-held">
          <Part>Why held</Part>
          <p>{approval.reason}</p>
          <p className="muted">
            Rule <code className="rule">{approval.rule}</code>
          </p>
        </div>
        <div>
          <label htmlFor={`${titleId}-reason`}>Reason (required)</label>
          <textarea
            id={`${titleId}-reason`}
            ref={reasonField}
            rows={2}
            required
            aria-describedby={`${titleId}-reason-help`}
            value={reason}
            onChange={(event) => {
              setReason(event.target.value)
              if (event.target.value.trim()) setError(undefined)
            }}
          />
          <p id={`${titleId}-reason-help`} className="muted">
            Enter a reason first. Say why you approve or deny: it is recorded with your decision and the
            requester sees it.
          </p>
        </div>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button
          type="button"
          className="primary"
          aria-disabled={refused || undefined}
          aria-describedby={describedBy}
          onClick={() => decide('approve')}
        >
          Approve
        </button>
        <button
          type="button"
          className="danger"
          aria-disabled={refused || undefined}
          aria-describedby={describedBy}
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

/** A grant request: each requested entry, marked when it goes beyond what this requester gets without
 * asking (that is what approving adds), then the auto-approved scope and the ceiling for comparison. */
function RequestedScope({ approval, Part }: { approval: Approval; Part: 'h3' | 'h4' }) {
  const risk = approval.risk
  if (!risk)
    return (
      <p>
        Scope <code>{approval.summary}</code>
      </p>
    )
  const widened = new Set(risk.widened)
  return (
    <div className="scope-compare">
      <Part>Requested scope</Part>
      <ul className="scope-list">
        {risk.requested.map((entry) => (
          <li key={entry} className={widened.has(entry) ? 'scope-widened' : undefined}>
            <code>{entry}</code>{' '}
            {widened.has(entry) ? (
              <span className="badge badge-held">widens: beyond auto-approve</span>
            ) : (
              <span className="badge badge-allow">within auto-approve</span>
            )}
          </li>
        ))}
      </ul>
      <dl className="facts">
        <dt>Auto-approved</dt>
        <dd>{risk.autoApprove.length ? <code>{risk.autoApprove.join(', ')}</code> : 'nothing'}</dd>
        <dt>Ceiling</dt>
        <dd>
          <code>{risk.ceiling.join(', ') || '—'}</code>
        </dd>
      </dl>
    </div>
  )
}

/** A held statement as the gateway recorded it (values a masking rule finds are already masked). */
function HeldStatement({ approval, Part }: { approval: Approval; Part: 'h3' | 'h4' }) {
  const { statement, parameters } = splitParameters(approval.summary)
  return (
    <div className="held-statement">
      <Part>Statement</Part>
      <pre className="statement">
        <SqlText sql={statement} />
      </pre>
      {parameters.length ? (
        <>
          <Part>Parameters</Part>
          <ul className="parameters">
            {parameters.map((p) => (
              <li key={p}>
                <code>{p}</code>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {approval.estimatedRows !== undefined ? (
        <p>
          Row estimate: <strong>{formatRows(approval.estimatedRows)}</strong>
        </p>
      ) : null}
    </div>
  )
}

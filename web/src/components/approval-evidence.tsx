// What an approver weighs beside the scope: the plan a grant was requested from (its statements), and the
// evidence from recordings — the requester's similar earlier tasks and what they used, what this request
// asks beyond that, and anomaly signals (an unseen table, far more rows, an unusual hour, a budget hold).
import type { Approval } from '../api/client.ts'
import { SqlText } from './sql-text.tsx'

const SIGNAL_LABELS: Record<string, string> = {
  'wider-than-past': 'Wider than before',
  'unseen-object': 'Unseen object',
  volume: 'Volume',
  'off-hours': 'Unusual hour',
}

type PlanCheck = NonNullable<NonNullable<Approval['evidence']>['planCheck']>[number]

/** What the rules in force would do with a planned statement once the grant is approved. */
function PlanOutcome({ check }: { check: PlanCheck | undefined }) {
  if (!check) return null
  if (check.outcome === 'allow') return <span className="badge badge-allow">runs once approved</span>
  return (
    <span className={check.outcome === 'hold' ? 'badge badge-held' : 'badge badge-deny'}>
      {check.outcome === 'hold' ? 'held' : 'denied'}: {check.reason ?? check.rule}
    </span>
  )
}

export function ApprovalEvidence({ approval, Part }: { approval: Approval; Part: 'h3' | 'h4' }) {
  const plan = approval.risk?.plan
  const evidence = approval.evidence
  return (
    <>
      {plan?.length ? (
        <div className="plan">
          <Part>Plan ({plan.length} statements)</Part>
          <ol className="plan-statements">
            {plan.map((text, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a plan may repeat a statement; order is its identity
              <li key={i}>
                <code>
                  <SqlText sql={text} />
                </code>{' '}
                <PlanOutcome check={evidence?.planCheck?.[i]} />
              </li>
            ))}
          </ol>
        </div>
      ) : null}
      {evidence ? (
        <div className="evidence">
          <Part>Evidence from recordings</Part>
          <p>
            {evidence.similar.length === 0
              ? 'No similar earlier task of this requester on this resource ran anything: nothing to compare with.'
              : `${evidence.similar.length} similar earlier task(s) of this requester used `}
            {evidence.similar.length > 0 ? <code>{evidence.pastUsed.join(', ') || 'nothing'}</code> : null}
          </p>
          {evidence.similar.length > 0 ? (
            <ul className="similar-tasks">
              {evidence.similar.slice(0, 5).map((s) => (
                <li key={s.grantId}>
                  {s.task} <span className="muted">({s.rows.toLocaleString('en')} rows)</span>
                </li>
              ))}
            </ul>
          ) : null}
          {evidence.signals.length ? (
            <ul className="signals" aria-label="Anomaly signals">
              {evidence.signals.map((s) => (
                <li key={`${s.kind}:${s.message}`}>
                  <span className="badge badge-held">{SIGNAL_LABELS[s.kind] ?? s.kind}</span> {s.message}
                  {s.items?.length ? (
                    <>
                      : <code>{s.items.join(', ')}</code>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : (
            <p className="muted">No anomaly signals.</p>
          )}
        </div>
      ) : null}
    </>
  )
}

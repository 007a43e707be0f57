// One session: its timeline of statements and decisions (virtualized: 10,000 rows scroll smoothly) and a
// replay that steps through it in order, showing each statement's recorded, already-masked result; for an
// SSH session, the commands are the timeline and its terminal recordings play below it.
import { useEffect, useState } from 'react'
import { call, type RecordedAction, type SessionDetail } from '../api/client.ts'
import { errorMessage, formatClock, formatDuration, formatRows } from '../components/format.ts'
import { Outcome } from '../components/outcome.tsx'
import { Breadcrumbs, usePageTitle } from '../components/page.tsx'
import { SqlText } from '../components/sql-text.tsx'
import { TerminalReplay } from '../components/terminal-replay.tsx'
import { Time } from '../components/time.tsx'
import { VirtualList } from '../components/virtual-list.tsx'
import { Link } from '../router.tsx'
import { EndSession } from './sessions.tsx'

// Two lines a row: the decision and, under it, the full rule id (never clipped).
const ROW_HEIGHT = 48

export function SessionPage({ id }: { id: string }) {
  const [detail, setDetail] = useState<SessionDetail>()
  const [error, setError] = useState<string>()
  const [step, setStep] = useState(0)
  usePageTitle(`Session ${id}`)

  const load = () =>
    call('getSession', { params: { id } })
      .then(setDetail)
      .catch((failure) => setError(errorMessage(failure)))
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the id changes, nothing else
  useEffect(() => {
    void load()
  }, [id])

  const heading = (
    <>
      <Breadcrumbs trail={[{ to: '/sessions', label: 'Sessions' }]} current={id} />
      <h1 id="session-title">
        Session <code>{id}</code>{' '}
        {detail ? (
          <span className={`badge badge-status-${detail.session.endedAt ? 'ended' : 'active'}`}>
            {detail.session.endedAt ? 'ended' : 'live'}
          </span>
        ) : null}
      </h1>
    </>
  )
  if (error || !detail)
    return (
      <section aria-labelledby="session-title">
        {heading}
        {error ? <p className="error">{error}</p> : <p className="loading">Loading…</p>}
      </section>
    )
  const { session, actions } = detail
  const denied = actions.filter((a) => a.outcome === 'deny').length
  const current = actions[step]

  return (
    <section aria-labelledby="session-title">
      {heading}
      <dl className="facts">
        <dt>Principal</dt>
        <dd>{session.principalName}</dd>
        <dt>Resource</dt>
        <dd>
          <code>{session.resourceId}</code> via {session.protocol} from {session.client}
        </dd>
        <dt>Grant</dt>
        <dd>
          <Link to={`/grants/${encodeURIComponent(session.grantId)}`}>{session.grantId}</Link>
        </dd>
        <dt>Started</dt>
        <dd>
          <Time iso={session.startedAt} />
        </dd>
        <dt>Ended</dt>
        <dd>
          {session.endedAt ? <Time iso={session.endedAt} /> : 'live'}
          {session.endReason ? ` (${session.endReason})` : ''}
        </dd>
        <dt>Statements</dt>
        <dd>
          {actions.length.toLocaleString()} ({denied} denied)
        </dd>
      </dl>
      {session.endedAt ? null : (
        <div className="actions">
          <EndSession id={session.id} onEnded={() => void load()} />
        </div>
      )}
      <div className="session-layout">
        <div>
          <h2 id="timeline-title">Timeline</h2>
          <div className="timeline-head" aria-hidden="true">
            <span>#</span>
            <span>time</span>
            <span>statement</span>
            <span>decision</span>
            <span>rows</span>
            <span>duration</span>
          </div>
          <VirtualList
            items={actions}
            rowHeight={ROW_HEIGHT}
            height={Math.min(480, Math.max(ROW_HEIGHT * 3, actions.length * ROW_HEIGHT))}
            label="Statements in order; arrow keys step the replay"
            selected={actions.length ? step : undefined}
            onSelect={setStep}
            renderRow={(action) => <TimelineRow action={action} />}
          />
        </div>
        <Replay actions={actions} step={step} onStep={setStep} current={current} />
      </div>
      {session.protocol === 'ssh' || session.protocol === 'kubernetes' ? (
        <TerminalReplay sessionId={session.id} />
      ) : null}
    </section>
  )
}

/** The decision; a statement that ran after a hold says so and who approved it (from its own record). */
function Decision({ action }: { action: RecordedAction }) {
  if (action.outcome === 'allow' && action.approvalId) {
    const by = action.approvedByName ?? action.approvedBy
    return (
      <span className="badge badge-held" data-approval-id={action.approvalId}>
        held · approved{by ? ` by ${by}` : ''}
      </span>
    )
  }
  return (
    <>
      <Outcome outcome={action.outcome} />
      {action.rule && action.outcome !== 'allow' ? <code className="rule">{action.rule}</code> : null}
    </>
  )
}

/** The whole decision in words, for a cell too narrow to show it. */
function decisionTitle(action: RecordedAction): string {
  if (action.approvalId) return `held · approved by ${action.approvedByName ?? action.approvedBy ?? '?'}`
  return [action.outcome, action.rule, action.reason].filter(Boolean).join(' · ')
}

function TimelineRow({ action }: { action: RecordedAction }) {
  return (
    <div className="timeline-row" data-seq={action.seq}>
      <span className="muted">{action.seq}</span>
      <span className="muted">{formatClock(action.at)}</span>
      <span className="statement-cell" title={action.text}>
        <SqlText sql={action.text.replace(/\s+/g, ' ')} />
      </span>
      <span className="decision-cell" title={decisionTitle(action)}>
        <Decision action={action} />
      </span>
      <span>{action.error ? <span className="error-text">error</span> : formatRows(action.rowCount)}</span>
      <span className="muted">{formatDuration(action.durationMs)}</span>
    </div>
  )
}

function Replay(props: {
  actions: RecordedAction[]
  step: number
  onStep: (step: number) => void
  current: RecordedAction | undefined
}) {
  const { actions, step, onStep, current } = props
  const [playing, setPlaying] = useState(false)
  useEffect(() => {
    if (!playing) return
    if (step >= actions.length - 1) {
      setPlaying(false)
      return
    }
    const timer = setTimeout(() => onStep(step + 1), 800)
    return () => clearTimeout(timer)
  }, [playing, step, actions.length, onStep])

  if (!current) return <p className="empty">This session recorded no statements.</p>
  return (
    <section className="card replay" aria-labelledby="replay-title">
      <h2 id="replay-title">Replay</h2>
      <div className="replay-controls">
        <button type="button" onClick={() => onStep(0)} disabled={step === 0}>
          First
        </button>
        <button type="button" onClick={() => onStep(step - 1)} disabled={step === 0}>
          Previous
        </button>
        <button type="button" onClick={() => setPlaying(!playing)} aria-pressed={playing}>
          {playing ? 'Pause' : 'Play'}
        </button>
        <button type="button" onClick={() => onStep(step + 1)} disabled={step >= actions.length - 1}>
          Next
        </button>
        <label className="replay-position">
          <span className="visually-hidden">Step</span>
          <input
            type="range"
            min={0}
            max={actions.length - 1}
            value={step}
            onChange={(event) => onStep(Number(event.target.value))}
          />
        </label>
        <span aria-live="polite" className="replay-step">
          Step {step + 1} of {actions.length}
        </span>
      </div>
      <div className="replay-statement" data-replay-seq={current.seq}>
        <p>
          <Time iso={current.at} /> · <Decision action={current} />
          {current.approvalId ? ` · approval ${current.approvalId}` : ''}
        </p>
        <pre className="statement">
          <SqlText sql={current.text} />
        </pre>
        {current.reason ? <p className="muted">{current.reason}</p> : null}
        {current.error ? <p className="error-text">Error: {current.error}</p> : null}
        <p className="muted">
          {[formatRows(current.rowCount), formatDuration(current.durationMs)].filter(Boolean).join(' · ')}
          {current.masked && Object.keys(current.masked).length
            ? ` · masked: ${Object.entries(current.masked)
                .map(([column, count]) => `${column} (${count})`)
                .join(', ')}`
            : ''}
        </p>
      </div>
      {current.result ? (
        <ResultTable result={current.result} />
      ) : (
        <p className="muted">No result was recorded for this statement.</p>
      )}
    </section>
  )
}

function ResultTable({ result }: { result: NonNullable<RecordedAction['result']> }) {
  return (
    <div className="result-scroll">
      <table className="table result" aria-label="Recorded result">
        <thead>
          <tr>
            {result.columns.map((column, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: columns may repeat a name
              <th key={i} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {result.rows.map((row, r) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: recorded rows have no identity
            <tr key={r}>
              {row.map((value, c) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: positional cells
                <td key={c}>{value === null ? <span className="muted">NULL</span> : String(value)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {result.truncated ? <p className="muted">The recording keeps the first rows only.</p> : null}
    </div>
  )
}

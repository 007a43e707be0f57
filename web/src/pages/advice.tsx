// Least privilege from recordings, per group: the narrower ceiling and auto-approve each group's grants
// support, and "Apply as a draft": the rewritten `policies:` section for that group, editable, replayed
// against the recorded statements (what would change, by rule) before anyone edits the configuration file.
// Per task cluster, the grant request such a task should make. Administrators and approvers.
import { useEffect, useState } from 'react'
import { call, type Response } from '../api/client.ts'
import { errorMessage } from '../components/format.ts'
import { usePageTitle } from '../components/page.tsx'

type Advice = Response<'adviseScopes'>
type Suggestion = Advice['suggestions'][number]
const WINDOWS = ['7d', '30d', '90d'] as const

export function AdvicePage() {
  const [since, setSince] = useState<(typeof WINDOWS)[number]>('30d')
  const [advice, setAdvice] = useState<Advice>()
  const [error, setError] = useState<string>()
  const [draft, setDraft] = useState<{ suggestion: Suggestion; diff: string; yaml: string }>()
  usePageTitle('Advice')
  useEffect(() => {
    setAdvice(undefined)
    call('adviseScopes', { query: { since } })
      .then(setAdvice)
      .catch((failure) => setError(errorMessage(failure)))
  }, [since])

  const applyAsDraft = async (suggestion: Suggestion) => {
    try {
      const one = await call('adviseScopes', {
        query: { since, group: suggestion.group, resource: suggestion.resourceId },
      })
      setDraft({ suggestion, diff: one.diff, yaml: one.policiesYaml })
    } catch (failure) {
      setError(errorMessage(failure))
    }
  }

  return (
    <section aria-labelledby="advice-title">
      <h1 id="advice-title">Scope advice</h1>
      <label>
        Grants requested within{' '}
        <select value={since} onChange={(e) => setSince(e.target.value as (typeof WINDOWS)[number])}>
          {WINDOWS.map((w) => (
            <option key={w} value={w}>
              {w}
            </option>
          ))}
        </select>
      </label>
      {error ? <p className="error">{error}</p> : null}
      {!advice && !error ? <p className="loading">Loading…</p> : null}
      {advice ? (
        <>
          <h2>Per group</h2>
          {advice.suggestions.length === 0 ? <p>No recorded grants in this window.</p> : null}
          <table aria-label="Suggested policies per group">
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Resource</th>
                <th scope="col">Grants</th>
                <th scope="col">Ceiling now</th>
                <th scope="col">Suggested ceiling</th>
                <th scope="col">Suggested auto-approve</th>
                <th scope="col">Unused</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {advice.suggestions.map((s) => (
                <tr key={`${s.group}/${s.resourceId}`}>
                  <th scope="row">{s.group}</th>
                  <td>
                    <code>{s.resourceId}</code>
                  </td>
                  <td>{s.grants}</td>
                  <td>
                    <code>{s.current.ceiling.join(', ')}</code>
                  </td>
                  <td>
                    <code>{s.suggested.ceiling.join(', ')}</code>
                  </td>
                  <td>
                    <code>{s.suggested.autoApprove.join(', ') || '—'}</code>
                  </td>
                  <td>
                    <code>{s.unused.join(', ') || '—'}</code>
                  </td>
                  <td>
                    {s.notApplied ? (
                      <span className="muted">{s.notApplied}</span>
                    ) : (
                      <button
                        type="button"
                        className="small"
                        aria-label={`Apply as a draft: ${s.group} on ${s.resourceId}`}
                        onClick={() => void applyAsDraft(s)}
                      >
                        Apply as a draft
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {draft ? (
            <PolicyDraft
              key={`${draft.suggestion.group}/${draft.suggestion.resourceId}`}
              {...draft}
              since={since}
            />
          ) : null}
          <TaskClusters clusters={advice.clusters} />
        </>
      ) : null}
    </section>
  )
}

/** A draft `policies:` section: its diff from the running one, editable, and replayed on request. */
function PolicyDraft({
  suggestion,
  diff,
  yaml,
  since,
}: {
  suggestion: Suggestion
  diff: string
  yaml: string
  since: string
}) {
  const [text, setText] = useState(yaml)
  const [replay, setReplay] = useState<Response<'replayPolicy'>>()
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState(false)
  const run = async () => {
    setBusy(true)
    setError(undefined)
    try {
      setReplay(await call('replayPolicy', { body: { policies: text, since } }))
    } catch (failure) {
      setReplay(undefined)
      setError(errorMessage(failure))
    } finally {
      setBusy(false)
    }
  }
  return (
    <section className="card draft" aria-labelledby="draft-title">
      <h2 id="draft-title">
        Draft: {suggestion.group} on <code>{suggestion.resourceId}</code>
      </h2>
      <p className="muted">
        Nothing changes until the configuration file does: review the draft, replay it, then put the section
        in the file and run <code>taskgate config check</code>.
      </p>
      <h3>Change from the running policies</h3>
      <pre className="diff">{diff || 'No change.'}</pre>
      <label htmlFor="draft-yaml">Draft policies section (editable)</label>
      <textarea
        id="draft-yaml"
        className="draft-yaml"
        spellCheck={false}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <div className="actions">
        <button
          type="button"
          className="primary"
          aria-disabled={busy || undefined}
          onClick={() => void run()}
        >
          Replay recorded statements against the draft
        </button>
        <a
          className="button small"
          download="policies-draft.yaml"
          href={`data:text/yaml;charset=utf-8,${encodeURIComponent(text)}`}
        >
          Download draft
        </a>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {replay ? (
        <div role="status" className="replay-result">
          <p>
            {replay.statements} recorded statements replayed since <time>{replay.since}</time>:{' '}
            <strong>{replay.changed} would change</strong>
            {replay.grants.length
              ? `, and ${replay.grants.length} grant request(s) would be decided otherwise`
              : ''}
            .
          </p>
          {replay.changes.length ? (
            <ul>
              {replay.changes.map((c) => (
                <li key={`${c.from}-${c.to}-${c.rule}`}>
                  {c.count} × {c.from} → {c.to} (rule <code>{c.rule}</code>)
                  {c.examples[0] ? (
                    <>
                      , e.g. <code>{c.examples[0].text}</code>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  )
}

/** Tasks that say the same thing, and the grant request such a task should make. */
function TaskClusters({ clusters }: { clusters: Advice['clusters'] }) {
  if (clusters.length === 0) return null
  return (
    <>
      <h2>Per task</h2>
      <ul className="clusters">
        {clusters.map((c) => (
          <li key={c.grantIds.join(',')}>
            <p>
              {c.tasks.slice(0, 3).join(' · ')} <span className="muted">({c.grantIds.length} grants)</span>
            </p>
            <p>
              Used <code>{c.suggested.join(', ') || 'nothing'}</code> of <code>{c.requested.join(', ')}</code>
            </p>
          </li>
        ))}
      </ul>
    </>
  )
}

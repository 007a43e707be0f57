// The hash-chained audit log: search by type, actor, subject or any text (the server searches the whole
// log, not only the entries shown); verify the whole chain.
import { type FormEvent, useEffect, useState } from 'react'
import { ApiError, type AuditEntry, call, type Response } from '../api/client.ts'
import { errorMessage, formatTime } from '../components/format.ts'
import { VirtualList } from '../components/virtual-list.tsx'

type Filter = { type: string; actor: string; subject: string; text: string }
const FIELDS = ['type', 'actor', 'subject'] as const

export function AuditPage() {
  const [entries, setEntries] = useState<AuditEntry[]>([])
  const [filter, setFilter] = useState<Filter>({ type: '', actor: '', subject: '', text: '' })
  const [refused, setRefused] = useState<string>()
  const [selected, setSelected] = useState<number>()
  const [verification, setVerification] = useState<Response<'verifyAudit'>>()
  const [error, setError] = useState<string>()

  const load = (f: Filter) => {
    const query: Record<string, string | number> = { order: 'desc', limit: 1000 }
    for (const [name, value] of Object.entries(f)) if (value.trim()) query[name] = value.trim()
    return call('listAudit', { query })
      .then(({ entries: list }) => {
        setError(undefined)
        setEntries(list)
      })
      .catch((failure) => {
        if (failure instanceof ApiError && failure.status === 403) setRefused(failure.message)
        else setError(errorMessage(failure))
      })
  }
  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page loads once; Search reloads
  useEffect(() => {
    void load(filter)
  }, [])

  const search = (event: FormEvent) => {
    event.preventDefault()
    setSelected(undefined)
    void load(filter)
  }
  const verify = async () => {
    setVerification(undefined)
    try {
      setVerification(await call('verifyAudit'))
    } catch (failure) {
      setError(errorMessage(failure))
    }
  }
  const current = selected !== undefined ? entries[selected] : undefined

  if (refused)
    return (
      <section aria-labelledby="audit-title">
        <h1 id="audit-title">Audit log</h1>
        <p className="error" role="alert">
          {refused}
        </p>
      </section>
    )
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <div className="card verify">
        <button type="button" className="primary" onClick={verify}>
          Verify chain
        </button>
        <span role="status" className="verify-result">
          {verification ? (
            verification.ok ? (
              <span className="badge badge-allow">
                chain intact · {verification.entries.toLocaleString()} entries
              </span>
            ) : (
              <span className="badge badge-deny">
                chain broken at #{verification.brokenAt}: {verification.problem}
              </span>
            )
          ) : null}
        </span>
      </div>
      <form className="filters" onSubmit={search} aria-label="Search the audit log">
        {FIELDS.map((name) => (
          <label key={name}>
            {name === 'type' ? 'Event type' : name === 'actor' ? 'Actor' : 'Subject'}
            <input
              name={name}
              value={filter[name]}
              placeholder={name === 'type' ? 'grant.approved' : ''}
              onChange={(event) => setFilter({ ...filter, [name]: event.target.value })}
            />
          </label>
        ))}
        <label>
          Contains text
          <input
            name="text"
            value={filter.text}
            onChange={(event) => setFilter({ ...filter, text: event.target.value })}
            type="search"
          />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {error ? <p className="error">{error}</p> : null}
      <p className="muted">
        {entries.length.toLocaleString()}
        {entries.length === 1000 ? ' newest' : ''} entries, newest first. Select one to see its data and
        hashes.
      </p>
      <div className="audit-layout">
        <VirtualList
          items={entries}
          rowHeight={34}
          height={440}
          label="Audit entries"
          selected={selected}
          onSelect={setSelected}
          renderRow={(entry) => (
            <div className="audit-row">
              <span className="muted">#{entry.seq}</span>
              <span className="muted" title={formatTime(entry.at)}>
                {formatTime(entry.at)}
              </span>
              <span title={entry.type}>
                <code>{entry.type}</code>
              </span>
              <span title={entry.actor}>{entry.actor}</span>
              <span className="muted" title={entry.subject}>
                {entry.subject ?? ''}
              </span>
            </div>
          )}
        />
        {current ? (
          <section className="card" aria-label={`Audit entry ${current.seq}`}>
            <h2>
              #{current.seq} <code>{current.type}</code>
            </h2>
            <pre className="json">{JSON.stringify(current.data ?? {}, null, 2)}</pre>
            <p className="hash">prev {current.prevHash}</p>
            <p className="hash">hash {current.hash}</p>
          </section>
        ) : null}
      </div>
    </section>
  )
}

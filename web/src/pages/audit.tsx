// The hash-chained audit log: search by type, actor, subject or any text; verify the whole chain.
import { type FormEvent, useEffect, useMemo, useState } from 'react'
import { type AuditEntry, call, type Response } from '../api/client.ts'
import { errorMessage, formatTime } from '../components/format.ts'
import { VirtualList } from '../components/virtual-list.tsx'

type Filter = { type: string; actor: string; subject: string }

export function AuditPage() {
  const [entries, setEntries] = useState<AuditEntry[]>([])
  const [filter, setFilter] = useState<Filter>({ type: '', actor: '', subject: '' })
  const [text, setText] = useState('')
  const [selected, setSelected] = useState<number>()
  const [verification, setVerification] = useState<Response<'verifyAudit'>>()
  const [error, setError] = useState<string>()

  const load = (f: Filter) =>
    call('listAudit', { query: { ...f, order: 'desc', limit: 1000 } })
      .then(({ entries: list }) => setEntries(list))
      .catch((failure) => setError(errorMessage(failure)))
  // biome-ignore lint/correctness/useExhaustiveDependencies: the first page loads once; Search reloads
  useEffect(() => {
    void load(filter)
  }, [])

  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase()
    if (!needle) return entries
    return entries.filter((e) => JSON.stringify(e).toLowerCase().includes(needle))
  }, [entries, text])

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
  const current = selected !== undefined ? shown[selected] : undefined

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
        {(['type', 'actor', 'subject'] as const).map((name) => (
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
        <button type="submit" className="primary">
          Search
        </button>
        <label>
          Contains text
          <input value={text} onChange={(event) => setText(event.target.value)} type="search" />
        </label>
      </form>
      {error ? <p className="error">{error}</p> : null}
      <p className="muted">
        {shown.length.toLocaleString()} entries, newest first. Select one to see its data and hashes.
      </p>
      <div className="audit-layout">
        <VirtualList
          items={shown}
          rowHeight={34}
          height={440}
          label="Audit entries"
          selected={selected}
          onSelect={setSelected}
          renderRow={(entry) => (
            <div className="audit-row">
              <span className="muted">#{entry.seq}</span>
              <span className="muted">{formatTime(entry.at)}</span>
              <span>
                <code>{entry.type}</code>
              </span>
              <span>{entry.actor}</span>
              <span className="muted">{entry.subject ?? ''}</span>
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

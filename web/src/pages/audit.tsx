// The hash-chained audit log: search by type, actor, subject, any text and a time range (the server
// searches the whole log, not only the entries shown); verify the whole chain. Times are in one named
// zone, local or UTC at the viewer's choice; entries that record a refusal or a failure stand out; ids of
// grants, sessions and approvals link to them. Above the log, where each SIEM export sink stands.
import { type FormEvent, useEffect, useState, useSyncExternalStore } from 'react'
import { ApiError, type AuditEntry, call, type Response } from '../api/client.ts'
import { errorMessage } from '../components/format.ts'
import { usePageTitle } from '../components/page.tsx'
import { SinkStatus } from '../components/sink-status.tsx'
import { formatAbsolute, setTimeZone, Time, useTimeZone, zoneName } from '../components/time.tsx'
import { VirtualList } from '../components/virtual-list.tsx'
import { Link } from '../router.tsx'

type Filter = { type: string; actor: string; subject: string; text: string; since: string; until: string }
const FIELDS = ['type', 'actor', 'subject'] as const
const EMPTY: Filter = { type: '', actor: '', subject: '', text: '', since: '', until: '' }

/** Refusals and failures in the deny colour, holds and pending decisions in the held colour. */
function severityOf(type: string): 'deny' | 'held' | 'info' {
  if (
    /\.(failed|denied|revoked|disabled|deleted|terminated|expired|cancelled)$/.test(type) ||
    type === 'login.failed'
  )
    return 'deny'
  if (type === 'action.held' || type === 'approval.requested') return 'held'
  return 'info'
}

// Rows are two lines on a narrow screen, so each stays readable without scrolling sideways.
const NARROW = '(max-width: 600px)'
function useNarrow(): boolean {
  return useSyncExternalStore(
    (listener) => {
      const query = matchMedia(NARROW)
      query.addEventListener('change', listener)
      return () => query.removeEventListener('change', listener)
    },
    () => matchMedia(NARROW).matches,
  )
}

export function AuditPage() {
  const [entries, setEntries] = useState<AuditEntry[]>([])
  const [filter, setFilter] = useState<Filter>(EMPTY)
  const [refused, setRefused] = useState<string>()
  const [selected, setSelected] = useState<number>()
  const [verification, setVerification] = useState<Response<'verifyAudit'>>()
  const [error, setError] = useState<string>()
  const zone = useTimeZone()
  const narrow = useNarrow()
  usePageTitle('Audit log')

  const load = (f: Filter) => {
    const query: Record<string, string | number> = { order: 'desc', limit: 1000 }
    for (const [name, value] of Object.entries(f)) {
      if (!value.trim()) continue
      // datetime-local inputs hold a wall-clock time in the zone shown next to them.
      query[name] = name === 'since' || name === 'until' ? wallClockToIso(value, zone) : value.trim()
    }
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
      <SinkStatus />
      <fieldset className="zone-toggle">
        <legend>Times in</legend>
        <label className="checkbox">
          <input type="radio" name="zone" checked={zone === 'local'} onChange={() => setTimeZone('local')} />
          <span>{zoneName('local')} (local)</span>
        </label>
        <label className="checkbox">
          <input type="radio" name="zone" checked={zone === 'utc'} onChange={() => setTimeZone('utc')} />
          <span>UTC</span>
        </label>
      </fieldset>
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
        <label>
          From ({zoneName(zone)})
          <input
            name="since"
            type="datetime-local"
            step={1}
            value={filter.since}
            onChange={(event) => setFilter({ ...filter, since: event.target.value })}
          />
        </label>
        <label>
          To ({zoneName(zone)})
          <input
            name="until"
            type="datetime-local"
            step={1}
            value={filter.until}
            onChange={(event) => setFilter({ ...filter, until: event.target.value })}
          />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {error ? <p className="error">{error}</p> : null}
      <p className="muted">
        {entries.length.toLocaleString()}
        {entries.length === 1000 ? ' newest' : ''} entries, newest first, times in {zoneName(zone)}. Select
        one to see its data, links and hashes.
      </p>
      <div className="audit-layout">
        <div>
          <div className={`audit-head${narrow ? ' narrow' : ''}`} aria-hidden="true">
            <span>#</span>
            <span>time ({zoneName(zone)})</span>
            <span>event</span>
            <span>actor</span>
            <span>subject</span>
          </div>
          <VirtualList
            items={entries}
            rowHeight={narrow ? 56 : 34}
            height={Math.min(440, Math.max(3, entries.length) * (narrow ? 56 : 34))}
            label="Audit entries: sequence, time, event, actor, subject"
            selected={selected}
            onSelect={setSelected}
            renderRow={(entry) => (
              <div className={`audit-row severity-${severityOf(entry.type)}${narrow ? ' narrow' : ''}`}>
                <span className="muted">#{entry.seq}</span>
                <span className="muted">{formatAbsolute(entry.at, zone)}</span>
                <span>
                  <code className="event-type">{entry.type}</code>
                </span>
                <span>{entry.actor}</span>
                <span className="muted">{entry.subject ?? ''}</span>
              </div>
            )}
          />
        </div>
        {current ? <AuditDetail entry={current} /> : null}
      </div>
    </section>
  )
}

function AuditDetail({ entry }: { entry: AuditEntry }) {
  const links = linkedIds(entry)
  return (
    <section className="card audit-detail" aria-label={`Audit entry ${entry.seq}`}>
      <h2>
        #{entry.seq} <code className={`event-type severity-${severityOf(entry.type)}`}>{entry.type}</code>
      </h2>
      <dl className="facts">
        <dt>When</dt>
        <dd>
          <Time iso={entry.at} />
        </dd>
        <dt>Actor</dt>
        <dd>{entry.actor}</dd>
        {links.map(({ label, id, to }) => (
          <div key={`${label}-${id}`} className="fact-pair">
            <dt>{label}</dt>
            <dd>{to ? <Link to={to}>{id}</Link> : <code>{id}</code>}</dd>
          </div>
        ))}
      </dl>
      <pre className="json">{JSON.stringify(entry.data ?? {}, null, 2)}</pre>
      <p className="hash">prev {entry.prevHash}</p>
      <p className="hash">hash {entry.hash}</p>
    </section>
  )
}

const ID_PAGES: Record<string, [string, string]> = {
  g: ['Grant', '/grants/'],
  s: ['Session', '/sessions/'],
  a: ['Approval', '/approvals/'],
}

/** The entry's subject and the ids its data names, each linked to its page when it is one of ours. */
function linkedIds(entry: AuditEntry): Array<{ label: string; id: string; to?: string }> {
  const found = new Map<string, { label: string; id: string; to?: string }>()
  const add = (id: unknown, fallback: string) => {
    if (typeof id !== 'string' || found.has(id)) return
    const page = /^[gsa][a-z0-9]{14}$/.test(id) ? ID_PAGES[id[0]!] : undefined
    found.set(
      id,
      page ? { label: page[0], id, to: `${page[1]}${encodeURIComponent(id)}` } : { label: fallback, id },
    )
  }
  add(entry.subject, 'Subject')
  for (const key of ['grant', 'session', 'approval'] as const) add(entry.data?.[key], key)
  return [...found.values()]
}

/** A `datetime-local` value (wall-clock time, no zone) read in the zone the page shows. */
function wallClockToIso(value: string, zone: 'local' | 'utc'): string {
  return zone === 'utc' ? new Date(`${value}Z`).toISOString() : new Date(value).toISOString()
}

// Where each SIEM export sink stands (GET /v1/audit/sinks): its cursor against the newest entry, the lag,
// entries it gave up on, when it last delivered and, while it fails, why (as the replica exporting it saw
// it). Refreshed every few seconds while the page is open: lag moves with every audit entry, too often for
// the change feed. Hidden when no sink is configured; people without oversight never see it (403).
import { useEffect, useState } from 'react'
import { ApiError, call, type Response } from '../api/client.ts'
import { errorMessage } from './format.ts'
import { Time } from './time.tsx'

type Sink = Response<'listAuditSinks'>['sinks'][number]
const POLL_MS = 5000

export function SinkStatus() {
  const [sinks, setSinks] = useState<Sink[]>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    let stopped = false
    const load = () =>
      call('listAuditSinks')
        .then(({ sinks: list }) => {
          if (stopped) return
          setSinks(list)
          setError(undefined)
        })
        .catch((failure) => {
          if (stopped) return
          if (failure instanceof ApiError && failure.status === 403) {
            stopped = true
            setSinks([])
          } else setError(errorMessage(failure))
        })
    void load()
    const timer = setInterval(() => {
      if (!stopped) void load()
    }, POLL_MS)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [])
  if (error && !sinks)
    return (
      <p className="error" role="alert">
        Export status: {error}
      </p>
    )
  if (!sinks || sinks.length === 0) return null
  return (
    <section className="card sinks" aria-labelledby="sinks-title">
      <h2 id="sinks-title">Export to SIEM</h2>
      <table className="table" aria-label="Audit export sinks">
        <thead>
          <tr>
            <th scope="col">Sink</th>
            <th scope="col">Delivered up to</th>
            <th scope="col">Lag</th>
            <th scope="col">Dead-lettered</th>
            <th scope="col">Last delivery</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {sinks.map((sink) => (
            <tr key={sink.id}>
              <th scope="row">
                {sink.id} <span className="muted">({sink.kind})</span>
              </th>
              <td>
                #{sink.cursor.toLocaleString('en')} of #{sink.headSeq.toLocaleString('en')}
              </td>
              <td>{sink.lag === 0 ? 'none' : `${sink.lag.toLocaleString('en')} entries`}</td>
              <td>{sink.deadLettered.toLocaleString('en')}</td>
              <td>{sink.lastDeliveredAt ? <Time iso={sink.lastDeliveredAt} /> : 'never'}</td>
              <td>
                {sink.lastError ? (
                  <span className="badge badge-deny">
                    failing: {sink.lastError}
                    {sink.lastErrorAt ? (
                      <>
                        {' '}
                        since <Time iso={sink.lastErrorAt} />
                      </>
                    ) : null}
                  </span>
                ) : (
                  <span className="badge badge-allow">{sink.lag === 0 ? 'up to date' : 'catching up'}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

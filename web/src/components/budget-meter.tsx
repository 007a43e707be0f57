// A grant's exfiltration budget, live: each metric's use against its warn / hold / end thresholds, as the
// gateway process serving the console counts it. Polls while the grant is live (counts change with every
// result, too often for the change feed).
import { useEffect, useState } from 'react'
import { call, type Response } from '../api/client.ts'

type Budget = NonNullable<Response<'getGrant'>['budget']>
const METRICS = ['rows', 'bytes', 'statements', 'tables'] as const
const LEVELS = ['warn', 'hold', 'end'] as const
const LABELS = { rows: 'Rows read', bytes: 'Bytes read', statements: 'Statements', tables: 'Distinct tables' }
const POLL_MS = 3000

export function BudgetMeter({
  grantId,
  live,
  initial,
}: {
  grantId: string
  live: boolean
  initial?: Budget
}) {
  const [budget, setBudget] = useState<Budget | undefined>(initial)
  useEffect(() => {
    // A grant from the change feed carries no budget: keep the last one read.
    if (initial) setBudget(initial)
  }, [initial])
  useEffect(() => {
    if (!live) return
    const timer = setInterval(() => {
      call('getGrant', { params: { id: grantId } })
        .then((g) => setBudget(g.budget))
        .catch(() => {})
    }, POLL_MS)
    return () => clearInterval(timer)
  }, [grantId, live])
  if (!budget) return null
  return (
    <>
      <h2>Exfiltration budget</h2>
      <table className="budget" aria-label="Exfiltration budget">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            <th scope="col">Used</th>
            {LEVELS.map((level) => (
              <th scope="col" key={level}>
                {level}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {METRICS.filter((m) => budget.limits[m]).map((metric) => (
            <tr key={metric}>
              <th scope="row">{LABELS[metric]}</th>
              <td>{budget.used[metric].toLocaleString('en')}</td>
              {LEVELS.map((level) => {
                const threshold = budget.limits[metric]?.[level]
                const crossed = budget.crossed.includes(`${metric}:${level}`)
                return (
                  <td key={level} className={crossed ? 'crossed' : undefined}>
                    {threshold === undefined ? '—' : threshold.toLocaleString('en')}
                    {crossed ? ' (crossed)' : ''}
                  </td>
                )
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

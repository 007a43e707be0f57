// Display helpers: clock times within a session, durations, row counts, error text.
import { tokenizeSql } from './sql-tokens.ts'

export function formatClock(iso: string): string {
  return `${new Date(iso).toLocaleTimeString(undefined, { hour12: false })}.${iso.slice(20, 23)}`
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return ''
  if (ms < 1) return `${Math.round(ms * 1000)} µs`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 0)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

/** A span of time in words a person reads at a glance: "45 s", "15 min", "2 h 5 min", "3 d". */
export function formatSpan(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  if (seconds < 60) return `${seconds} s`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`
  return `${Math.round(hours / 24)} d`
}

export function formatRows(count: number | undefined): string {
  if (count === undefined) return ''
  return `${count.toLocaleString()} ${count === 1 ? 'row' : 'rows'}`
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** A held statement as recorded: its text, then (PostgreSQL prepared statements) a line the gateway adds
 * with the Bind parameters, `-- parameters: $1 = '…', $2 = NULL`. A client could write such a comment
 * itself, so the line is read as parameters only when it is the only one and the statement before it uses
 * exactly those placeholders outside strings and comments; otherwise the whole text is the statement. */
export function splitParameters(summary: string): { statement: string; parameters: string[] } {
  const marker = '\n-- parameters: '
  const at = summary.indexOf(marker)
  const whole = { statement: summary, parameters: [] }
  if (at < 0 || summary.indexOf(marker, at + 1) >= 0) return whole
  const statement = summary.slice(0, at)
  const parameters = summary.slice(at + marker.length).split(/, (?=\$\d+ = )/)
  const used = tokenizeSql(statement)
    .filter((t) => t.kind === 'parameter')
    .map((t) => Number(t.text.slice(1)))
  const listed = parameters.map((p) => Number(/^\$(\d+) = /.exec(p)?.[1]))
  const fits = used.length > 0 && Math.max(...used) === listed.length && listed.every((n, i) => n === i + 1)
  return fits ? { statement, parameters } : whole
}

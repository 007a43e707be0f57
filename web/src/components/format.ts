// Display helpers: local times, durations, row counts.
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
}

export function formatClock(iso: string): string {
  return `${new Date(iso).toLocaleTimeString(undefined, { hour12: false })}.${iso.slice(20, 23)}`
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return ''
  if (ms < 1) return `${Math.round(ms * 1000)} µs`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 0)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

export function formatRows(count: number | undefined): string {
  if (count === undefined) return ''
  return `${count.toLocaleString()} ${count === 1 ? 'row' : 'rows'}`
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

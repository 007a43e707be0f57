// Times are shown relative ("3 minutes ago", "in 12 minutes") and absolute, in one zone the viewer picks
// (the browser's, or UTC) and names, so two people comparing an audit trail never mix zones silently.
import { useSyncExternalStore } from 'react'

export type Zone = 'local' | 'utc'

const STORAGE_KEY = 'taskgate.timezone'
let zone: Zone = readZone()
const zoneListeners = new Set<() => void>()

function readZone(): Zone {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'utc' ? 'utc' : 'local'
  } catch {
    return 'local'
  }
}

export function setTimeZone(next: Zone): void {
  zone = next
  try {
    localStorage.setItem(STORAGE_KEY, next)
  } catch {
    // A browser refusing storage keeps the choice for this page only.
  }
  for (const listener of zoneListeners) listener()
}

export function useTimeZone(): Zone {
  return useSyncExternalStore(
    (listener) => {
      zoneListeners.add(listener)
      return () => zoneListeners.delete(listener)
    },
    () => zone,
  )
}

/** The zone's name as shown next to times: `UTC`, or the browser's IANA zone. */
export function zoneName(z: Zone): string {
  return z === 'utc' ? 'UTC' : (Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local time')
}

// One shared clock for relative times: a tick every 30 s re-renders what reads it.
let now = Date.now()
const clockListeners = new Set<() => void>()
setInterval(() => {
  now = Date.now()
  for (const listener of clockListeners) listener()
}, 30_000)

export function useNow(): number {
  return useSyncExternalStore(
    (listener) => {
      clockListeners.add(listener)
      return () => clockListeners.delete(listener)
    },
    () => now,
  )
}

export function formatAbsolute(iso: string, z: Zone): string {
  return new Date(iso).toLocaleString(undefined, {
    dateStyle: 'medium',
    timeStyle: 'medium',
    hour12: false,
    ...(z === 'utc' ? { timeZone: 'UTC' } : {}),
  })
}

/** As formatAbsolute, with the zone named ("… 06:57:12 UTC", "… 07:57:12 GMT+1"). */
export function formatAbsoluteZoned(iso: string, z: Zone): string {
  const zoneLabel =
    new Intl.DateTimeFormat(undefined, {
      timeZoneName: 'short',
      ...(z === 'utc' ? { timeZone: 'UTC' } : {}),
    })
      .formatToParts(new Date(iso))
      .find((part) => part.type === 'timeZoneName')?.value ?? ''
  return `${formatAbsolute(iso, z)} ${zoneLabel}`.trim()
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
]

export function formatRelative(iso: string, at: number): string {
  const delta = new Date(iso).getTime() - at
  const size = Math.abs(delta)
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })
  if (size < 45_000) return delta < 0 ? 'just now' : 'in less than a minute'
  for (const [unit, ms] of UNITS) if (size >= ms) return format.format(Math.round(delta / ms), unit)
  return format.format(Math.round(delta / 60_000), 'minute')
}

/** The absolute time short enough for a table cell: the clock time today, else the day and time, with
 * the zone named. */
function formatShort(iso: string, z: Zone, at: number): string {
  const zone = z === 'utc' ? { timeZone: 'UTC' } : {}
  const date = new Date(iso)
  const day = (d: Date) => d.toLocaleDateString(undefined, { dateStyle: 'medium', ...zone })
  const sameDay = day(date) === day(new Date(at))
  const text = date.toLocaleString(undefined, {
    ...(sameDay ? {} : { month: 'short', day: 'numeric' }),
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    timeZoneName: 'short',
    ...zone,
  })
  return text
}

/** A moment, relative then absolute; `compact` puts a short absolute time under the relative one (for
 * table cells), with the full one in the tooltip. */
export function Time({ iso, compact = false }: { iso: string | undefined; compact?: boolean }) {
  const z = useTimeZone()
  const at = useNow()
  if (!iso) return <span className="muted">—</span>
  const absolute = formatAbsoluteZoned(iso, z)
  return (
    <time dateTime={iso} title={absolute} className={compact ? 'time compact' : 'time'}>
      {formatRelative(iso, at)}
      {compact ? (
        <span className="time-absolute">{formatShort(iso, z, at)}</span>
      ) : (
        <span className="time-absolute"> · {absolute}</span>
      )}
    </time>
  )
}

import { TaskgateError } from '../errors.ts'

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const

/** Parses `90s`, `15m`, `2h`, `1d` into seconds. */
export function parseDurationSeconds(text: string): number {
  const m = /^(\d{1,7})(s|m|h|d)$/.exec(text.trim())
  if (!m)
    throw new TaskgateError('TG_TTL_INVALID', {
      message: `TTL "${text}" is malformed; write it as 90s, 15m, 2h or 1d.`,
    })
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS]
  if (seconds <= 0) throw new TaskgateError('TG_TTL_INVALID', { message: 'TTL must be more than zero.' })
  return seconds
}

export function formatDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}d`
  if (seconds % 3600 === 0) return `${seconds / 3600}h`
  if (seconds % 60 === 0) return `${seconds / 60}m`
  return `${seconds}s`
}

// Human output (short aligned tables and key/value blocks) or --json; one place decides the look.
import type { CliIo } from './io.ts'

/** Returns undefined so a command can end with `return printJson(...)`. */
export function printJson(io: CliIo, value: unknown): undefined {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`)
  return undefined
}

/** An aligned table with upper-case headers; an empty list prints `(none)` so the user knows it ran. */
export function printTable(io: CliIo, headers: string[], rows: string[][]): void {
  if (rows.length === 0) {
    io.stdout('(none)\n')
    return
  }
  const all = [headers.map((h) => h.toUpperCase()), ...rows]
  const widths = headers.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)))
  for (const row of all) {
    const cells = row.map((cell, column) =>
      column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0),
    )
    io.stdout(`${cells.join('  ').trimEnd()}\n`)
  }
}

/** `key   value` lines, keys aligned; undefined values are left out. */
export function printFields(io: CliIo, fields: Array<[string, string | number | boolean | undefined]>): void {
  const present = fields.filter(
    (f): f is [string, string | number | boolean] => f[1] !== undefined && f[1] !== '',
  )
  const width = Math.max(...present.map(([key]) => key.length))
  for (const [key, value] of present) io.stdout(`${key.padEnd(width)}  ${value}\n`)
}

/** `in 14m`, `3h ago`: what a person wants to know about a deadline. */
export function relativeTime(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-'
  const deltaMs = new Date(iso).getTime() - now
  const abs = Math.abs(deltaMs)
  const text =
    abs < 60_000
      ? `${Math.round(abs / 1000)}s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)}m`
        : abs < 86_400_000
          ? `${Math.round(abs / 3_600_000)}h`
          : `${Math.round(abs / 86_400_000)}d`
  return deltaMs >= 0 ? `in ${text}` : `${text} ago`
}

/** A timestamp to the second, UTC: compact and unambiguous in tables. */
export function shortTime(iso: string | undefined): string {
  return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-'
}

export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`
}

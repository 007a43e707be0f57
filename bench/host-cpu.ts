// Where a loaded host's CPU went during a benchmark: the host's busy CPU seconds (/proc/stat) against the
// benchmark's own processes, so a figure taken on a machine shared with other work says how much of the load
// was the benchmark's. Linux only; clock ticks of 1/100 s (USER_HZ). Reads are synchronous on purpose: a few
// hundred /proc files take milliseconds, while awaiting each one in a driver whose event loop serves 1,000
// clients took 18 s and delayed the soak's kill by as much.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

const TICKS = 100

/** Busy CPU seconds of the whole host since boot (all cores): user, nice, system, irq, softirq, steal. */
export function hostBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number)
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS
}

/** utime, stime, cutime, cstime of a process in seconds (zeros once it is gone). */
function times(pid: number): [number, number, number, number] {
  const stat = readOr(`/proc/${pid}/stat`)
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return [Number(f[11]) / TICKS, Number(f[12]) / TICKS, Number(f[13]) / TICKS, Number(f[14]) / TICKS].map(
    (n) => (Number.isFinite(n) ? n : 0),
  ) as [number, number, number, number]
}

/** CPU seconds a process has used so far (NaN when it is gone). */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  if (!readOr(`/proc/${pid}/stat`)) return Number.NaN
  const [user, system] = times(pid)
  return user + system
}

/**
 * CPU seconds a PostgreSQL server has used so far: the postmaster, the backends it has reaped (its children's
 * times) and the ones still running. `log` is the server's log file beside its data directory (bench/support.ts).
 */
export function postgresCpuSeconds(log: string): number {
  const pidFile = readOr(join(dirname(log), 'data', 'postmaster.pid'))
  const postmaster = Number(pidFile.split('\n')[0])
  if (!postmaster) return Number.NaN
  const [user, system, childrenUser, childrenSystem] = times(postmaster)
  let total = user + system + childrenUser + childrenSystem
  const children = readOr(`/proc/${postmaster}/task/${postmaster}/children`)
  for (const child of children.split(' ').filter(Boolean)) {
    const [u, s] = times(Number(child))
    total += u + s
  }
  return total
}

/** A file's text, or '' when it cannot be read (a process that exited meanwhile). */
function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}

// Where a loaded host's CPU went during a benchmark: the host's busy CPU seconds (/proc/stat) against the
// benchmark's own processes, so a figure taken on a machine shared with other work says how much of the load
// was the benchmark's. Linux only; clock ticks of 1/100 s (USER_HZ).
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'

const TICKS = 100

/** Busy CPU seconds of the whole host since boot (all cores): user, nice, system, irq, softirq, steal. */
export async function hostBusySeconds(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? ''
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number)
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS
}

/** utime, stime, cutime, cstime of a process in seconds (zeros once it is gone). */
async function times(pid: number): Promise<[number, number, number, number]> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return [Number(f[11]) / TICKS, Number(f[12]) / TICKS, Number(f[13]) / TICKS, Number(f[14]) / TICKS].map(
    (n) => (Number.isFinite(n) ? n : 0),
  ) as [number, number, number, number]
}

/** CPU seconds a process has used so far (NaN when it is gone). */
export async function processCpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  if (!stat) return Number.NaN
  const [user, system] = await times(pid)
  return user + system
}

/**
 * CPU seconds a PostgreSQL server has used so far: the postmaster, the backends it has reaped (its children's
 * times) and the ones still running. `log` is the server's log file beside its data directory (bench/support.ts).
 */
export async function postgresCpuSeconds(log: string): Promise<number> {
  const pidFile = await readFile(join(dirname(log), 'data', 'postmaster.pid'), 'utf8').catch(() => '')
  const postmaster = Number(pidFile.split('\n')[0])
  if (!postmaster) return Number.NaN
  const [user, system, childrenUser, childrenSystem] = await times(postmaster)
  let total = user + system + childrenUser + childrenSystem
  const children = await readFile(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8').catch(() => '')
  for (const child of children.split(' ').filter(Boolean)) {
    const [u, s] = await times(Number(child))
    total += u + s
  }
  return total
}

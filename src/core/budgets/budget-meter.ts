// What one grant has read so far against its exfiltration budget, and which thresholds it has crossed. Pure
// and in memory: the engines report result bytes per chunk relayed and rows per result (or per chunk), core
// notes each allowed statement's needs; each threshold is crossed once (a hold, once approved, is not asked
// again; the end threshold still applies).
import type { BudgetConfig, BudgetLevel, BudgetMetric } from '../../config/budget-config.ts'
import type { ScopeEntry } from '../grants/scope.ts'

export type BudgetLimits = BudgetConfig

export interface BudgetCrossing {
  metric: BudgetMetric
  level: BudgetLevel
  used: number
  threshold: number
}

export interface BudgetUsage {
  rows: number
  bytes: number
  statements: number
  tables: number
}

const METRICS: readonly BudgetMetric[] = ['rows', 'bytes', 'statements', 'tables']
/** Strongest first: a chunk that crosses warn and end at once ends. */
const LEVELS: readonly BudgetLevel[] = ['end', 'hold', 'warn']
/** Distinct names remembered past the highest `tables` threshold would only cost memory. */
const MAX_TABLE_NAMES = 100_000

export class BudgetMeter {
  readonly limits: BudgetLimits
  readonly #used = { rows: 0, bytes: 0, statements: 0 }
  readonly #tables = new Set<string>()
  readonly #crossed = new Set<string>()
  readonly #tableCap: number

  constructor(limits: BudgetLimits) {
    this.limits = limits
    const t = limits.tables
    this.#tableCap = Math.min(MAX_TABLE_NAMES, Math.max(t?.warn ?? 0, t?.hold ?? 0, t?.end ?? 0) + 1)
  }

  get usage(): BudgetUsage {
    return { ...this.#used, tables: this.#tables.size }
  }

  /** The thresholds crossed so far, as `metric:level`. */
  get crossed(): string[] {
    return [...this.#crossed]
  }

  addRead(read: { rows?: number; bytes?: number }): void {
    if (read.rows !== undefined && read.rows > 0) this.#used.rows += read.rows
    if (read.bytes !== undefined && read.bytes > 0) this.#used.bytes += read.bytes
  }

  /** An allowed statement: one more statement, and the objects its needs name. */
  addStatement(needs: readonly ScopeEntry[] | undefined): void {
    this.#used.statements++
    if (!needs || this.limits.tables === undefined) return
    for (const need of needs) {
      if (this.#tables.size >= this.#tableCap) return
      this.#tables.add(need.object)
    }
  }

  /** The strongest threshold newly crossed (then remembered as crossed), or undefined. */
  nextCrossing(): BudgetCrossing | undefined {
    const usage = this.usage
    let found: BudgetCrossing | undefined
    for (const metric of METRICS) {
      const limits = this.limits[metric]
      if (!limits) continue
      for (const level of LEVELS) {
        const threshold = limits[level]
        if (threshold === undefined || usage[metric] <= threshold) continue
        if (!this.#crossed.has(`${metric}:${level}`) && (!found || rank(level) > rank(found.level)))
          found = { metric, level, used: usage[metric], threshold }
        break
      }
    }
    if (!found) return undefined
    // A stronger level crossed implies the weaker ones of the same metric.
    for (const level of LEVELS.slice(LEVELS.indexOf(found.level)))
      this.#crossed.add(`${found.metric}:${level}`)
    return found
  }
}

function rank(level: BudgetLevel): number {
  return level === 'end' ? 2 : level === 'hold' ? 1 : 0
}

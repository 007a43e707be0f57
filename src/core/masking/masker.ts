import { BYTE_STYLES } from './byte-styles.ts'
import { contextFor } from './column-hints.ts'
import type { ColumnRef } from './column-pattern.ts'
import { type ByteColumnMasker, type ColumnMasker, detectorBytes, wholeFindBytes } from './detector-bytes.ts'
import type { Detector } from './detectors/detector.ts'
import { createJsonMasker, type PendingDetector } from './mask-json.ts'
import { type DetectorEntry, maskText, maskTextWith } from './mask-text.ts'
import {
  applicableRules,
  type CompiledRule,
  type MaskingRuleSet,
  remember,
  ruleMatchesColumn,
} from './rules.ts'
import { REDACTED } from './styles.ts'

/** How a protocol describes a result column's type, coarsely: it decides which scans can apply. */
export type ColumnTypeHint = 'text' | 'json' | 'number' | 'binary' | 'other'

export interface ResultColumn extends ColumnRef {
  typeHint?: ColumnTypeHint
  /**
   * Table columns the value is, or may carry, besides the column's own name: the source column of an
   * aliased reference (`internal_code AS x`), or, for a computed value, the columns of the tables its
   * statement reads. Rules match any of them, so neither an alias nor an expression sheds a rule.
   */
  origins?: readonly ColumnRef[]
  /** Where the value comes from could not be learnt (a failed catalog lookup): every rule naming columns
   * applies to it (fail closed). */
  originUnknown?: boolean
}

interface CompiledPlan {
  readonly masks: ReadonlyArray<ColumnMasker | undefined>
  readonly byteMasks: ReadonlyArray<ByteColumnMasker | undefined>
  readonly counterNames: readonly string[]
  readonly passthrough: boolean
}

/**
 * What to do with each column of one result set: most columns are forwarded untouched. Made once per
 * result set by planMasking; the compiled part is shared through a cache, the counters are this plan's.
 */
export interface MaskingPlan {
  /** No column needs masking: forward every row as it came. */
  readonly passthrough: boolean
  readonly masks: ReadonlyArray<ColumnMasker | undefined>
  /** Where a column rule masks every value of a column with a style that has a byte form, or detectors
   * scan the column as text. */
  readonly byteMasks: ReadonlyArray<ByteColumnMasker | undefined>
  readonly counterNames: readonly string[]
  readonly counts: number[]
}

const EMPTY: CompiledPlan = { masks: [], byteMasks: [], counterNames: [], passthrough: true }

/**
 * Plans masking for a result's columns under the rules in force for this principal on this resource.
 * Cached by the rules in force and the column signature, so a repeated query costs one map lookup.
 */
export function planMasking(
  columns: readonly ResultColumn[],
  ruleSet: MaskingRuleSet,
  principalGroups: readonly string[],
  resourceId: string,
): MaskingPlan {
  const rules = applicableRules(ruleSet, resourceId, principalGroups)
  let compiled = EMPTY
  if (rules.length > 0) {
    const key = `${rules.map((r) => r.id).join('\u0001')}\u0000${signature(columns)}`
    const cached = ruleSet.caches.plans.get(key) as CompiledPlan | undefined
    compiled = cached ?? compilePlan(columns, rules, ruleSet)
    if (cached === undefined) remember(ruleSet.caches.plans, key, compiled)
  }
  return {
    passthrough: compiled.passthrough,
    masks: compiled.masks,
    byteMasks: compiled.byteMasks,
    counterNames: compiled.counterNames,
    counts: compiled.counterNames.map(() => 0),
  }
}

/** Whether the column at `index` must be decoded and passed through maskValue at all. */
export function needsMasking(plan: MaskingPlan, index: number): boolean {
  return plan.masks[index] !== undefined
}

/** The value to send for column `index`: the same string when the column is not masked, or null. */
export function maskValue(plan: MaskingPlan, index: number, value: string): string | null {
  const mask = plan.masks[index]
  if (mask === undefined) return value
  try {
    return mask(value, plan.counts)
  } catch {
    // A bug in a detector must not let the value through: fail closed.
    return REDACTED
  }
}

/**
 * maskValue on the UTF-8 bytes `src[start, end)` of a value, written at `dst[at]` (room for
 * `end - start + BYTE_STYLE_GROWTH` bytes): the mask's length, or -1 when the column has no byte form, the
 * value is not ASCII, or its mask is NULL or longer than that (then call maskValue).
 */
export function maskValueBytes(
  plan: MaskingPlan,
  index: number,
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  at: number,
): number {
  const mask = plan.byteMasks[index]
  if (mask === undefined) return -1
  try {
    return mask(src, start, end, dst, at, plan.counts)
  } catch {
    return -1
  }
}

/** `column/detector` (or `column/rule:<id>`) → values masked since the last call; resets the counters. */
export function takeMaskCounts(plan: MaskingPlan): Record<string, number> {
  const out: Record<string, number> = {}
  for (let i = 0; i < plan.counts.length; i++) {
    if (plan.counts[i]! > 0) out[plan.counterNames[i]!] = plan.counts[i]!
    plan.counts[i] = 0
  }
  return out
}

function signature(columns: readonly ResultColumn[]): string {
  let s = ''
  for (const c of columns) {
    s += `${c.table ?? ''}\u0001${c.name}\u0001${c.typeHint ?? ''}${c.originUnknown ? '\u0004' : ''}`
    for (const o of c.origins ?? []) s += `\u0001${o.table ?? ''}\u0003${o.name}`
    s += '\u0002'
  }
  return s
}

function compilePlan(
  columns: readonly ResultColumn[],
  rules: readonly CompiledRule[],
  ruleSet: MaskingRuleSet,
): CompiledPlan {
  const counterNames: string[] = []
  const planned = columns.map((column) => planColumn(column, rules, ruleSet, counterNames))
  const masks = planned.map((p) => p?.mask)
  const tally: number[] = counterNames.map(() => 0)
  const byteMasks = columns.map((column, i) => {
    const scan = planned[i]?.scan
    return scan === undefined
      ? planColumnBytes(column, rules, counterNames)
      : detectorBytes(planned[i]!.mask, scan, tally, wholeFindBytes(scan, ruleSet))
  })
  return { masks, byteMasks, counterNames, passthrough: masks.every((m) => m === undefined) }
}

// The byte form of planColumn's first case (a column rule masks the whole value), where its style has one.
function planColumnBytes(
  column: ResultColumn,
  rules: readonly CompiledRule[],
  counterNames: readonly string[],
): ByteColumnMasker | undefined {
  const whole = rules.find((r) => r.detectors === undefined && matchesColumn(r, column))
  const style = whole === undefined ? undefined : BYTE_STYLES[whole.style]
  // A JSON value masked whole must stay JSON (planColumn quotes it): no byte form.
  if (whole === undefined || style === undefined || column.typeHint === 'json') return undefined
  const slot = counterNames.indexOf(`${column.name}/rule:${whole.id}`)
  return (src, start, end, dst, at, counts) => {
    const length = style(src, start, end, dst, at)
    if (length !== -1) counts[slot]!++
    return length
  }
}

/** A column's mask; `scan` when it is a text scan by these detectors (it then has a byte form too). */
interface PlannedColumn {
  mask: ColumnMasker
  scan?: readonly DetectorEntry[]
}

function planColumn(
  column: ResultColumn,
  rules: readonly CompiledRule[],
  ruleSet: MaskingRuleSet,
  counterNames: string[],
): PlannedColumn | undefined {
  const slotFor = (what: string): number => {
    const name = `${column.name}/${what}`
    const existing = counterNames.indexOf(name)
    return existing !== -1 ? existing : counterNames.push(name) - 1
  }
  const rank = (d: Detector): number => ruleSet.detectors.indexOf(d)
  const styleOf = (rule: CompiledRule) => ruleSet.styles[rule.style]

  // A rule naming the column without detectors masks the whole value, whatever its type.
  const whole = rules.find((r) => r.detectors === undefined && matchesColumn(r, column))
  if (whole !== undefined) {
    const style = styleOf(whole)
    const slot = slotFor(`rule:${whole.id}`)
    if (column.typeHint === 'json') {
      // A JSON value stays a JSON document (`"****"`), or clients that parse json and jsonb would fail.
      return {
        mask: (value, counts) => {
          counts[slot]!++
          const masked = style(value, undefined)
          return masked === null ? null : JSON.stringify(masked)
        },
      }
    }
    return {
      mask: (value, counts) => {
        counts[slot]!++
        return style(value, undefined)
      },
    }
  }
  const type = column.typeHint ?? 'other'
  if (type === 'binary') return undefined

  const pending: PendingDetector[] = []
  for (const rule of rules) {
    if (rule.detectors === undefined || (rule.columns !== undefined && !matchesColumn(rule, column))) continue
    for (const detector of rule.detectors) {
      if (!pending.some((p) => p.detector === detector))
        pending.push({ detector, style: styleOf(rule), slot: -1 })
    }
  }
  pending.sort((a, b) => rank(a.detector) - rank(b.detector))

  if (type === 'json') {
    const keyRules = rules.filter((r) => r.columns?.some((p) => p.namesKeys))
    const pathRules = rules.filter(
      (r) => r.detectors === undefined && r.columns?.some((p) => p.matchesPath !== undefined),
    )
    if (pending.length === 0 && keyRules.length === 0 && pathRules.length === 0) return undefined
    for (const p of pending) p.slot = slotFor(p.detector.id)
    return {
      mask: createJsonMasker({
        columnName: column.name,
        detectors: pending,
        keyRules,
        pathRules,
        styleOf,
        slotFor,
        rank,
      }),
    }
  }

  const entries: DetectorEntry[] = pending.map((p) => ({
    ...p,
    slot: slotFor(p.detector.id),
    context: contextFor(column.name, p.detector),
  }))
  if (type === 'number') {
    const mask = numberMasker(entries.filter((e) => e.context.hinted))
    return mask === undefined ? undefined : { mask }
  }
  if (entries.length === 0) return undefined
  const only = entries.length === 1 ? entries[0]! : undefined
  const mask: ColumnMasker =
    only === undefined
      ? (value, counts) => maskText(value, entries, counts)
      : (value, counts) => maskTextWith(value, only, counts)
  return { mask, scan: entries }
}

function matchesColumn(rule: CompiledRule, column: ResultColumn): boolean {
  if (column.originUnknown === true && rule.columns !== undefined) return true
  return ruleMatchesColumn(rule, column) || column.origins?.some((o) => ruleMatchesColumn(rule, o)) === true
}

// Numbers are tested whole and only where the column name says what they are (`card_number bigint`):
// amounts, ids and counts are never scanned.
function numberMasker(entries: DetectorEntry[]): ColumnMasker | undefined {
  if (entries.length === 0) return undefined
  return (value, counts) => {
    for (const entry of entries) {
      if (!entry.detector.test(value, entry.context)) continue
      counts[entry.slot]!++
      return entry.style(value, entry.detector.id)
    }
    return value
  }
}

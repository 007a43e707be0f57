import { TaskgateError } from '../errors.ts'
import { type ColumnPattern, type ColumnRef, compileColumnPattern } from './column-pattern.ts'
import { BUILTIN_DETECTORS } from './detectors/builtin-detectors.ts'
import { type CustomDetectorConfig, createCustomDetector } from './detectors/custom.ts'
import type { Detector } from './detectors/detector.ts'
import { createStyles, MASK_STYLES, type MaskStyle, type StyleFunction } from './styles.ts'

/**
 * One masking rule. It applies on `resources` (ids or `*`), to members of `groups` (everyone when
 * absent) except members of `exemptGroups`. It matches by `columns` (whole values masked), by
 * `detectors` (content scan of text and JSON columns: only what a detector finds is masked), or by both
 * (in matching columns, what the detectors find).
 */
export interface MaskingRule {
  id: string
  style: MaskStyle
  resources?: string[]
  groups?: string[]
  exemptGroups?: string[]
  columns?: string[]
  detectors?: string[]
  /** Let statements filter, join, sort, group on and compute with the columns this rule masks (they are
   * refused by default: each such statement is a question about the clear value). */
  allowPredicates?: boolean
}

/** The masking section of the configuration, with the hash key already read from its secret. */
export interface MaskingConfig {
  rules: MaskingRule[]
  detectors?: CustomDetectorConfig[]
  hashKey?: Uint8Array | string
}

export interface CompiledRule {
  readonly id: string
  readonly style: MaskStyle
  readonly columns: readonly ColumnPattern[] | undefined
  readonly detectors: readonly Detector[] | undefined
  readonly resources: ReadonlySet<string>
  readonly groups: ReadonlySet<string> | undefined
  readonly exemptGroups: ReadonlySet<string>
  readonly allowPredicates: boolean
}

/** Rules compiled once at start: patterns, detectors, style functions, and the plan caches. */
export interface MaskingRuleSet {
  readonly rules: readonly CompiledRule[]
  /** Every known detector, most specific first (the order that settles overlapping spans). */
  readonly detectors: readonly Detector[]
  readonly styles: Readonly<Record<MaskStyle, StyleFunction>>
  /** Rules in force per `resource + groups`, and plans per `rules in force + column signature`. */
  readonly caches: { applicable: Map<string, readonly CompiledRule[]>; plans: Map<string, unknown> }
}

/** Validates and compiles the masking configuration; throws TG_CONFIG_INVALID naming the bad key. */
export function compileMaskingRules(config: MaskingConfig): MaskingRuleSet {
  const detectors = [...BUILTIN_DETECTORS]
  for (const [i, custom] of (config.detectors ?? []).entries()) {
    if (detectors.some((d) => d.id === custom.id))
      invalid(`masking.detectors[${i}].id`, `duplicate detector id "${custom.id}"`)
    try {
      detectors.push(createCustomDetector(custom))
    } catch (error) {
      invalid(
        `masking.detectors[${i}].pattern`,
        `not a valid regular expression: ${(error as Error).message}`,
      )
    }
  }
  const byId = new Map(detectors.map((d) => [d.id, d]))
  const seen = new Set<string>()
  const rules = config.rules.map((rule, i): CompiledRule => {
    const at = `masking.rules[${i}]`
    if (seen.has(rule.id)) invalid(`${at}.id`, `duplicate rule id "${rule.id}"`)
    seen.add(rule.id)
    if (!MASK_STYLES.includes(rule.style)) invalid(`${at}.style`, `expected one of ${MASK_STYLES.join(', ')}`)
    if (!rule.columns?.length && !rule.detectors?.length)
      invalid(at, 'a rule needs columns, detectors or both')
    if (rule.detectors?.length && rule.columns?.some((c) => c.startsWith('$.') || c.startsWith('$[')))
      invalid(`${at}.columns`, 'a JSON path ($.a.b) masks its value whole: give it a rule without detectors')
    return {
      id: rule.id,
      style: rule.style,
      columns: rule.columns?.length
        ? rule.columns.map((c, j) => compilePattern(c, `${at}.columns[${j}]`))
        : undefined,
      detectors: rule.detectors?.length ? resolveDetectors(rule.detectors, byId, at) : undefined,
      resources: new Set(rule.resources?.length ? rule.resources : ['*']),
      groups: rule.groups ? new Set(rule.groups) : undefined,
      exemptGroups: new Set(rule.exemptGroups ?? []),
      allowPredicates: rule.allowPredicates === true,
    }
  })
  return {
    rules,
    detectors,
    styles: createStyles(config.hashKey),
    caches: { applicable: new Map(), plans: new Map() },
  }
}

/** The rules in force for a principal (by groups) on a resource, in configuration order. */
export function applicableRules(
  ruleSet: MaskingRuleSet,
  resourceId: string,
  groups: readonly string[],
): readonly CompiledRule[] {
  const key = `${resourceId}\u0000${[...groups].sort().join('\u0001')}`
  let rules = ruleSet.caches.applicable.get(key)
  if (rules === undefined) {
    rules = ruleSet.rules.filter((rule) => ruleApplies(rule, resourceId, groups))
    remember(ruleSet.caches.applicable, key, rules)
  }
  return rules
}

function ruleApplies(rule: CompiledRule, resourceId: string, groups: readonly string[]): boolean {
  if (!rule.resources.has('*') && !rule.resources.has(resourceId)) return false
  if (groups.some((g) => rule.exemptGroups.has(g))) return false
  return rule.groups === undefined || groups.some((g) => rule.groups!.has(g))
}

export function ruleMatchesColumn(rule: CompiledRule, column: ColumnRef): boolean {
  return rule.columns?.some((p) => p.matchesColumn(column)) === true
}

export function ruleMatchesKey(rule: CompiledRule, key: string): boolean {
  return rule.columns?.some((p) => p.matchesKey(key)) === true
}

const CACHE_LIMIT = 1024

/** Caches keyed by result shape are bounded: ad-hoc queries would otherwise grow them without end. */
export function remember<V>(cache: Map<string, V>, key: string, value: V): void {
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!)
  cache.set(key, value)
}

function compilePattern(source: string, at: string): ColumnPattern {
  try {
    return compileColumnPattern(source)
  } catch (error) {
    return invalid(at, `not a valid pattern: ${(error as Error).message}`)
  }
}

function resolveDetectors(ids: string[], byId: Map<string, Detector>, at: string): Detector[] {
  return ids.map((id, j) => byId.get(id) ?? invalid(`${at}.detectors[${j}]`, `unknown detector "${id}"`))
}

function invalid(path: string, problem: string): never {
  throw new TaskgateError('TG_CONFIG_INVALID', { detail: `${path}: ${problem}` })
}

import { contextFor } from './column-hints.ts'
import type { Detector } from './detectors/detector.ts'
import { type DetectorEntry, maskText } from './mask-text.ts'
import { type CompiledRule, ruleMatchesKey } from './rules.ts'
import { REDACTED, type StyleFunction } from './styles.ts'

/** A detector in force for a column before the key it sits under is known. */
export interface PendingDetector {
  detector: Detector
  style: StyleFunction
  slot: number
}

export interface JsonMaskSpec {
  columnName: string
  /** Detectors for every string in the document (detector rules, and both-rules naming this column). */
  detectors: readonly PendingDetector[]
  /** Rules with unqualified column patterns, tried against each key name. */
  keyRules: readonly CompiledRule[]
  styleOf(rule: CompiledRule): StyleFunction
  /** Counter slot for `column/<what>`; allocated while the plan is made. */
  slotFor(what: string): number
  /** Position of a detector in the rule set's priority order. */
  rank(detector: Detector): number
}

interface KeyPlan {
  whole: { style: StyleFunction; slot: number } | undefined
  entries: DetectorEntry[]
  /** Entries hinted by the key name: a number under `card_number` is tested, any other number is not. */
  numberEntries: DetectorEntry[]
}

// Deeper documents are cut there rather than walked on: the subtree becomes `****` (fail closed).
const MAX_DEPTH = 64
const KEY_CACHE_LIMIT = 4096

/**
 * A masker for JSON values: parse, mask values under keys a column rule names and what detectors find in
 * strings (with the key name as their context), serialize only if something changed. A value that does
 * not parse is scanned as text.
 */
export function createJsonMasker(spec: JsonMaskSpec): (value: string, counts: number[]) => string | null {
  for (const rule of spec.keyRules) {
    if (rule.detectors === undefined) spec.slotFor(`rule:${rule.id}`)
    else for (const d of rule.detectors) spec.slotFor(d.id)
  }
  const keyPlans = new Map<string, KeyPlan>()
  const planFor = (key: string): KeyPlan => {
    let plan = keyPlans.get(key)
    if (plan === undefined) {
      plan = makeKeyPlan(spec, key)
      if (keyPlans.size < KEY_CACHE_LIMIT) keyPlans.set(key, plan)
    }
    return plan
  }
  const rootPlan = planFor('')

  return (value, counts) => {
    let doc: unknown
    try {
      doc = JSON.parse(value)
    } catch {
      return maskText(value, rootPlan.entries, counts)
    }
    const state = { changed: false }
    const masked = walk(doc, rootPlan, 0)
    return state.changed ? JSON.stringify(masked) : value

    function walk(node: unknown, plan: KeyPlan, depth: number): unknown {
      if (depth > MAX_DEPTH) {
        state.changed = true
        return REDACTED
      }
      if (typeof node === 'string') {
        if (plan.entries.length === 0) return node
        const out = maskText(node, plan.entries, counts)
        if (out !== node) state.changed = true
        return out
      }
      if (typeof node === 'number') return maskNumber(node, plan)
      if (node === null || typeof node !== 'object') return node
      if (Array.isArray(node)) {
        // Elements inherit their array's key: `"phones": ["+1 415 …"]`.
        for (let i = 0; i < node.length; i++) node[i] = walk(node[i], plan, depth + 1)
        return node
      }
      const object = node as Record<string, unknown>
      for (const key of Object.keys(object)) {
        const keyPlan = planFor(key)
        const child = object[key]
        if (keyPlan.whole !== undefined && child !== null) {
          counts[keyPlan.whole.slot]!++
          state.changed = true
          object[key] = keyPlan.whole.style(
            typeof child === 'string' ? child : JSON.stringify(child),
            undefined,
          )
        } else object[key] = walk(child, keyPlan, depth + 1)
      }
      return object
    }

    function maskNumber(node: number, plan: KeyPlan): unknown {
      if (plan.numberEntries.length === 0) return node
      const text = String(node)
      for (const entry of plan.numberEntries) {
        if (!entry.detector.test(text, entry.context)) continue
        counts[entry.slot]!++
        state.changed = true
        return entry.style(text, entry.detector.id)
      }
      return node
    }
  }
}

function makeKeyPlan(spec: JsonMaskSpec, key: string): KeyPlan {
  const name = key === '' ? spec.columnName : key
  const matching = key === '' ? [] : spec.keyRules.filter((rule) => ruleMatchesKey(rule, key))
  const wholeRule = matching.find((rule) => rule.detectors === undefined)
  const whole = wholeRule && { style: spec.styleOf(wholeRule), slot: spec.slotFor(`rule:${wholeRule.id}`) }
  const pending = [...spec.detectors]
  for (const rule of matching) {
    for (const detector of rule.detectors ?? []) {
      if (!pending.some((p) => p.detector === detector))
        pending.push({ detector, style: spec.styleOf(rule), slot: spec.slotFor(detector.id) })
    }
  }
  pending.sort((a, b) => spec.rank(a.detector) - spec.rank(b.detector))
  const entries = pending.map((p) => ({ ...p, context: contextFor(name, p.detector) }))
  return { whole, entries, numberEntries: entries.filter((e) => e.context.hinted) }
}

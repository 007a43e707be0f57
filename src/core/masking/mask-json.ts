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
  /** Rules without detectors naming JSON paths (`$.customer.email`): the value there is masked whole. */
  pathRules?: readonly CompiledRule[]
  styleOf(rule: CompiledRule): StyleFunction
  /** Counter slot for `column/<what>`; allocated while the plan is made. */
  slotFor(what: string): number
  /** Position of a detector in the rule set's priority order. */
  rank(detector: Detector): number
}

interface WholeMask {
  style: StyleFunction
  slot: number
}

interface KeyPlan {
  whole: WholeMask | undefined
  entries: DetectorEntry[]
  /** Entries hinted by the key name: a number under `card_number` is tested, any other number is not. */
  numberEntries: DetectorEntry[]
}

// Deeper documents are cut there rather than walked on: the subtree becomes `"****"` (fail closed).
const MAX_DEPTH = 64
const KEY_CACHE_LIMIT = 4096

/** Thrown where a document stops being JSON (the position is for debugging). */
class Malformed {
  readonly at: number
  constructor(at: number) {
    this.at = at
  }
}

/** One replaced token: the text `[start, end)` of the document becomes `text`. */
interface Edit {
  start: number
  end: number
  text: string
}

/**
 * A masker for JSON values: walk the document's tokens, mask values under keys a column rule names and
 * what detectors find in strings (with the key name as their context). Only the tokens it masks are
 * replaced; every other byte (numbers as written, whitespace, escapes, key order, duplicate keys) stays as
 * it came, so `12345678901234567890` and `1.50` are not rewritten by a round trip through JS numbers.
 * Text that is not JSON (never the case for PostgreSQL's json and jsonb) keeps what the walk masked before
 * the error, and everything else is scanned by the detectors as text.
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
  const pathRules = spec.pathRules ?? []
  const wholeAt =
    pathRules.length === 0
      ? undefined
      : (path: string): WholeMask | undefined => {
          const rule = pathRules.find((r) => r.columns!.some((p) => p.matchesPath?.(path) === true))
          return rule && { style: spec.styleOf(rule), slot: spec.slotFor(`rule:${rule.id}`) }
        }
  for (const rule of pathRules) spec.slotFor(`rule:${rule.id}`)

  return (value, counts) => {
    const edits: Edit[] = []
    let malformed = false
    try {
      new JsonWalker(value, planFor, counts, edits, wholeAt).document(rootPlan)
    } catch (error) {
      if (!(error instanceof Malformed)) throw error
      malformed = true
    }
    if (!malformed && edits.length === 0) return value
    // Not JSON: what the walk did not replace is scanned as text, so nothing goes out unscanned.
    const gap = (text: string) => (malformed ? (maskText(text, rootPlan.entries, counts) ?? REDACTED) : text)
    let out = ''
    let at = 0
    for (const edit of edits) {
      out += gap(value.slice(at, edit.start)) + edit.text
      at = edit.end
    }
    return out + gap(value.slice(at))
  }
}

const CHAR = {
  QUOTE: 0x22,
  COMMA: 0x2c,
  COLON: 0x3a,
  BACKSLASH: 0x5c,
  OPEN_ARRAY: 0x5b,
  CLOSE_ARRAY: 0x5d,
  OPEN_OBJECT: 0x7b,
  CLOSE_OBJECT: 0x7d,
} as const
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const LITERALS = ['true', 'false', 'null']
// A string token as RFC 8259 has it: no raw control characters, only these escapes and \uXXXX.
const ESCAPED = '"\\/bfnrt'
const HEX4 = /^[0-9a-fA-F]{4}$/

/** A strict recursive-descent reader of one JSON document that records the replacements masking makes. */
class JsonWalker {
  readonly #text: string
  readonly #planFor: (key: string) => KeyPlan
  readonly #counts: number[]
  readonly #edits: Edit[]
  /** Path rules in force: the walk then tracks where it is (`$.a[*].b`); undefined keeps it off. */
  readonly #wholeAt: ((path: string) => WholeMask | undefined) | undefined
  #pos = 0

  constructor(
    text: string,
    planFor: (key: string) => KeyPlan,
    counts: number[],
    edits: Edit[],
    wholeAt?: (path: string) => WholeMask | undefined,
  ) {
    this.#text = text
    this.#planFor = planFor
    this.#counts = counts
    this.#edits = edits
    this.#wholeAt = wholeAt
  }

  document(plan: KeyPlan): void {
    const root = this.#wholeAt?.('$')
    if (root !== undefined) this.#whole(root)
    else this.#value(plan, 0, '$')
    this.#space()
    if (this.#pos !== this.#text.length) throw new Malformed(this.#pos)
  }

  #value(plan: KeyPlan, depth: number, path: string): void {
    this.#space()
    const start = this.#pos
    if (depth > MAX_DEPTH) {
      this.#skip()
      this.#edits.push({ start, end: this.#pos, text: `"${REDACTED}"` })
      return
    }
    const c = this.#text.charCodeAt(start)
    if (c === CHAR.QUOTE) {
      const raw = this.#string()
      if (plan.entries.length === 0) return
      const decoded = decode(raw)
      const masked = maskText(decoded, plan.entries, this.#counts)
      if (masked !== decoded) this.#edit(start, masked)
    } else if (c === CHAR.OPEN_ARRAY) {
      // Elements inherit their array's key: `"phones": ["+1 415 …"]`.
      this.#pos++
      if (this.#peek() === CHAR.CLOSE_ARRAY) {
        this.#pos++
        return
      }
      const inner = this.#wholeAt && `${path}[*]`
      const whole = inner === undefined ? undefined : this.#wholeAt!(inner)
      for (;;) {
        if (whole !== undefined) this.#whole(whole)
        else this.#value(plan, depth + 1, inner ?? '')
        if (this.#punctuation(CHAR.COMMA, CHAR.CLOSE_ARRAY) === CHAR.CLOSE_ARRAY) return
      }
    } else if (c === CHAR.OPEN_OBJECT) {
      this.#pos++
      if (this.#peek() === CHAR.CLOSE_OBJECT) {
        this.#pos++
        return
      }
      for (;;) {
        this.#space()
        if (this.#text.charCodeAt(this.#pos) !== CHAR.QUOTE) throw new Malformed(this.#pos)
        const key = decode(this.#string())
        const keyPlan = this.#planFor(key)
        this.#punctuation(CHAR.COLON, CHAR.COLON)
        const inner = this.#wholeAt && `${path}.${key}`
        const whole = (inner === undefined ? undefined : this.#wholeAt!(inner)) ?? keyPlan.whole
        if (whole !== undefined) this.#whole(whole)
        else this.#value(keyPlan, depth + 1, inner ?? '')
        if (this.#punctuation(CHAR.COMMA, CHAR.CLOSE_OBJECT) === CHAR.CLOSE_OBJECT) return
      }
    } else if (this.#scalar(start)) this.#number(start, plan)
  }

  /** Reads a number or a literal at `start`; returns whether it was a number. */
  #scalar(start: number): boolean {
    const c = this.#text.charCodeAt(start)
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = start
      if (!NUMBER.test(this.#text)) throw new Malformed(start)
      this.#pos = NUMBER.lastIndex
      return true
    }
    for (const literal of LITERALS) {
      if (this.#text.startsWith(literal, start)) {
        this.#pos = start + literal.length
        return false
      }
    }
    throw new Malformed(start)
  }

  /** A value under a key a column rule names: masked whole, whatever it is (null stays null). */
  #whole(whole: WholeMask): void {
    this.#space()
    const start = this.#pos
    this.#skip()
    const raw = this.#text.slice(start, this.#pos)
    if (raw === 'null') return
    this.#counts[whole.slot]!++
    this.#edit(start, whole.style(raw.charCodeAt(0) === CHAR.QUOTE ? decode(raw) : raw, undefined))
  }

  /** Numbers are tested as written, only under keys that say what they are (`card_number`). */
  #number(start: number, plan: KeyPlan): void {
    if (plan.numberEntries.length === 0) return
    const text = this.#text.slice(start, this.#pos)
    for (const entry of plan.numberEntries) {
      if (!entry.detector.test(text, entry.context)) continue
      this.#counts[entry.slot]!++
      this.#edit(start, entry.style(text, entry.detector.id))
      return
    }
  }

  #edit(start: number, masked: string | null): void {
    this.#edits.push({ start, end: this.#pos, text: masked === null ? 'null' : JSON.stringify(masked) })
  }

  /** Moves past one whole value without masking inside it: iterative, so any depth is safe to skip. */
  #skip(): void {
    const text = this.#text
    let depth = 0
    do {
      this.#space()
      const at = this.#pos
      const c = text.charCodeAt(at)
      if (c === CHAR.QUOTE) this.#string()
      else if (c === CHAR.OPEN_ARRAY || c === CHAR.OPEN_OBJECT) {
        depth++
        this.#pos++
      } else if (c === CHAR.CLOSE_ARRAY || c === CHAR.CLOSE_OBJECT || c === CHAR.COMMA || c === CHAR.COLON) {
        if (depth === 0) throw new Malformed(at)
        if (c === CHAR.CLOSE_ARRAY || c === CHAR.CLOSE_OBJECT) depth--
        this.#pos++
      } else this.#scalar(at)
    } while (depth > 0)
  }

  #string(): string {
    const text = this.#text
    const start = this.#pos
    let pos = start + 1
    for (let c = text.charCodeAt(pos); c !== CHAR.QUOTE; c = text.charCodeAt(pos)) {
      // NaN (the end of the text) and raw control characters are not allowed in a string token.
      if (!(c >= 0x20)) throw new Malformed(start)
      if (c !== CHAR.BACKSLASH) pos++
      else if (text.charCodeAt(pos + 1) === 0x75) {
        if (!HEX4.test(text.slice(pos + 2, pos + 6))) throw new Malformed(start)
        pos += 6
      } else if (ESCAPED.includes(text[pos + 1] || '\u0000')) pos += 2
      else throw new Malformed(start)
    }
    this.#pos = pos + 1
    return text.slice(start, pos + 1)
  }

  /** Reads `a` or `b` after optional whitespace; returns which. */
  #punctuation(a: number, b: number): number {
    const c = this.#peek()
    if (c !== a && c !== b) throw new Malformed(this.#pos)
    this.#pos++
    return c
  }

  #peek(): number {
    this.#space()
    return this.#text.charCodeAt(this.#pos)
  }

  #space(): void {
    const text = this.#text
    let pos = this.#pos
    for (let c = text.charCodeAt(pos); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; )
      c = text.charCodeAt(++pos)
    this.#pos = pos
  }
}

/** The value of a string token (already validated): escapes decoded, lone surrogates kept. */
function decode(raw: string): string {
  return raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1)
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

// Precision and recall of every detector on the generated ground-truth corpus, through the real masking
// path (compiled rules, a plan per column, maskValue, counters). Prints the table; asserts the floors.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { BUILTIN_DETECTOR_IDS } from '../../src/core/masking/detectors/builtin-detectors.ts'
import { maskValue, planMasking, takeMaskCounts } from '../../src/core/masking/masker.ts'
import { compileMaskingRules } from '../../src/core/masking/rules.ts'
import { CORPUS_PATH, type CorpusEntry, generateCorpus, serializeCorpus } from './generate-corpus.ts'

const corpusText = readFileSync(CORPUS_PATH, 'utf8')
const corpus: CorpusEntry[] = corpusText
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line))

interface Tally {
  tp: number
  fp: number
  fn: number
}

function evaluate() {
  const ruleSet = compileMaskingRules({
    rules: [{ id: 'all', style: 'redact', detectors: [...BUILTIN_DETECTOR_IDS] }],
    hashKey: 'corpus',
  })
  const tallies = new Map<string, Tally>(BUILTIN_DETECTOR_IDS.map((id) => [id, { tp: 0, fp: 0, fn: 0 }]))
  const misses: string[] = []
  const leaks: string[] = []
  for (const entry of corpus) {
    const plan = planMasking([{ name: entry.column, typeHint: 'text' }], ruleSet, ['agents'], 'corpus-db')
    const masked = maskValue(plan, 0, entry.value)
    const fired = new Set(Object.keys(takeMaskCounts(plan)).map((k) => k.slice(k.indexOf('/') + 1)))
    for (const id of fired) {
      if (id !== entry.expected) {
        tallies.get(id)!.fp++
        misses.push(
          `FP ${id} on ${entry.kind ?? entry.expected} [${entry.column}] ${JSON.stringify(entry.value)}`,
        )
      }
    }
    if (entry.expected === null) continue
    if (fired.has(entry.expected)) tallies.get(entry.expected)!.tp++
    else {
      tallies.get(entry.expected)!.fn++
      misses.push(`FN ${entry.expected} [${entry.column}] ${JSON.stringify(entry.value)}`)
    }
    if (entry.secret && masked?.includes(entry.secret))
      leaks.push(`${entry.expected}: ${JSON.stringify(entry.value)}`)
  }
  return { tallies, misses, leaks }
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b)
const { tallies, misses, leaks } = evaluate()

test('precision and recall per detector (report)', () => {
  const rows = [...tallies].map(([id, t]) => ({
    detector: id,
    positives: t.tp + t.fn,
    tp: t.tp,
    fp: t.fp,
    fn: t.fn,
    precision: ratio(t.tp, t.tp + t.fp).toFixed(4),
    recall: ratio(t.tp, t.tp + t.fn).toFixed(4),
  }))
  const sum = (k: 'tp' | 'fp' | 'fn') => rows.reduce((n, r) => n + r[k], 0)
  rows.push({
    detector: 'overall',
    positives: sum('tp') + sum('fn'),
    tp: sum('tp'),
    fp: sum('fp'),
    fn: sum('fn'),
    precision: ratio(sum('tp'), sum('tp') + sum('fp')).toFixed(4),
    recall: ratio(sum('tp'), sum('tp') + sum('fn')).toFixed(4),
  })
  console.log(
    `masking corpus: ${corpus.length} values, ${corpus.filter((e) => e.expected === null).length} near-misses`,
  )
  console.table(rows)
  if (misses.length > 0) console.log(misses.slice(0, 40).join('\n'))
})

test('recall is at least 0.99 for card and email', () => {
  for (const id of ['card', 'email']) {
    const t = tallies.get(id)!
    assert.ok(ratio(t.tp, t.tp + t.fn) >= 0.99, `${id} recall ${ratio(t.tp, t.tp + t.fn)}`)
  }
})

test('precision is at least 0.95 overall', () => {
  let tp = 0
  let fp = 0
  for (const t of tallies.values()) {
    tp += t.tp
    fp += t.fp
  }
  assert.ok(ratio(tp, tp + fp) >= 0.95, `overall precision ${ratio(tp, tp + fp)}`)
})

test('no detector falls below 0.9 precision or recall (regression guard)', () => {
  for (const [id, t] of tallies) {
    assert.ok(ratio(t.tp, t.tp + t.fp) >= 0.9, `${id} precision`)
    assert.ok(ratio(t.tp, t.tp + t.fn) >= 0.9, `${id} recall`)
  }
})

test('a detected value does not survive masking', () => {
  assert.deepEqual(leaks, [])
})

test('the committed corpus is what the generator writes', () => {
  assert.equal(corpusText, serializeCorpus(generateCorpus()), 'run: node test/masking/generate-corpus.ts')
})

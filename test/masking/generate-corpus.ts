// Writes test/masking/corpus/corpus.jsonl: the ground truth for precision-recall.test.ts. One JSON object a
// line: { value, column, expected } where expected is the detector that must fire, or null for a value no
// detector may touch, plus `secret` (what must not survive masking) or `kind` (what the near-miss is).
// Seeded: running it again writes the same file, and the test checks that it does.
//   node test/masking/generate-corpus.ts
import { writeFileSync } from 'node:fs'
import { negatives } from './corpus-negatives.ts'
import { positives } from './corpus-positives.ts'
import { seededRandom } from './corpus-random.ts'

export const CORPUS_SEED = 20260501
export const CORPUS_PATH = new URL('./corpus/corpus.jsonl', import.meta.url)

export interface CorpusEntry {
  value: string
  column: string
  expected: string | null
  secret?: string
  kind?: string
}

export function generateCorpus(seed = CORPUS_SEED): CorpusEntry[] {
  const r = seededRandom(seed)
  const entries: CorpusEntry[] = [
    ...positives(r).map((p) => ({
      value: p.value,
      column: p.column,
      expected: p.expected,
      secret: p.secret,
    })),
    ...negatives(r).map((n) => ({ value: n.value, column: n.column, expected: null, kind: n.kind })),
  ]
  // Interleave deterministically so a reader sees a mix, not blocks.
  for (let i = entries.length - 1; i > 0; i--) {
    const j = r.int(0, i)
    ;[entries[i], entries[j]] = [entries[j]!, entries[i]!]
  }
  return entries
}

export function serializeCorpus(entries: CorpusEntry[]): string {
  return `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`
}

if (import.meta.main) {
  const entries = generateCorpus()
  writeFileSync(CORPUS_PATH, serializeCorpus(entries))
  console.log(`wrote ${entries.length} entries to ${CORPUS_PATH.pathname}`)
}

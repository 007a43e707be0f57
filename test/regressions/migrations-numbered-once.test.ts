// Two branches once each added a migration 008 at the same moment: the rebase had no conflict, the static
// checks passed, and every store open failed. Each store's migrations are numbered once, 1..N with no gap,
// and both stores have the same numbers.
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { test } from 'node:test'

const numbers = (store: string) =>
  readdirSync(new URL(`../../src/store/${store}/migrations/`, import.meta.url))
    .filter((f) => f.endsWith('.sql'))
    .map((f) => Number(f.split('-')[0]))
    .sort((a, b) => a - b)

test('migrations are numbered 1..N once each, the same on both stores', () => {
  const embedded = numbers('embedded')
  assert.deepEqual(
    embedded,
    embedded.map((_, i) => i + 1),
    'embedded: each number once, no gap',
  )
  assert.deepEqual(numbers('postgres'), embedded, 'the postgres store has the same numbers')
})

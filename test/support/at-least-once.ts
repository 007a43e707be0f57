// What "at least once, in order" means for a stream of received seqs: it starts at 1, never skips ahead
// (each seq is at most one past the highest seen so far), every seq 1..last arrives, and a seq at or below
// the highest seen is a resend of a batch, whose run then goes on without a gap.
import assert from 'node:assert/strict'

export function assertAtLeastOnceInOrder(received: readonly number[], last: number): { duplicates: number } {
  let highest = 0
  let previous = 0
  let duplicates = 0
  for (const [i, seq] of received.entries()) {
    assert.ok(seq <= highest + 1, `gap: seq ${seq} at position ${i} after highest ${highest}`)
    if (seq <= highest) {
      duplicates++
      // Inside a resent run, seqs still follow one another; a new run may start anywhere at or below.
      if (seq !== previous + 1) assert.ok(seq <= previous, `out of order: ${seq} after ${previous}`)
    }
    highest = Math.max(highest, seq)
    previous = seq
  }
  assert.equal(highest, last, `expected every seq up to ${last}, highest received ${highest}`)
  assert.equal(new Set(received).size, last, 'every seq arrives')
  return { duplicates }
}

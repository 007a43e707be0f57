// A rebase once left conflict markers in .ci/run, which neither the typechecker nor the linter reads: any
// tracked text file with them fails here.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { test } from 'node:test'

test('no tracked file holds merge-conflict markers', () => {
  let found = ''
  try {
    found = execFileSync('git', ['grep', '-n', '-I', '-E', '^(<<<<<<<|>>>>>>>) ', '--', '.'], {
      encoding: 'utf8',
    })
  } catch (error) {
    // git grep exits 1 when nothing matches.
    if ((error as { status?: number }).status !== 1) throw error
  }
  assert.equal(found, '', `conflict markers:\n${found}`)
})

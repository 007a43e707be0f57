// Differential test against real bash: whenever the classifier gives a command line a command form (the
// words a command scope is matched on), bash must split the same line into exactly those words. A
// disagreement would let a command scope match a command bash runs differently. Bash only prints the words
// (`set -- LINE; printf '%s\0' "$@"`) in an empty directory with no PATH: a command form has no expansion.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import fc from 'fast-check'
import { tokenizeCommand } from '../../src/kinds/ssh-command-pattern.ts'
import { classifyExec } from '../../src/protocols/ssh/command/index.ts'

const dir = mkdtempSync(join(tmpdir(), 'tg-bash-diff-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const fragments = fc.constantFrom(
  ...["$'x'", '"$"', '\\\\', "'\\''", '\\"', '{a,b}', '{1..2}', 'a{,}', '+=', '()', '\\ ', '\\\n', '\\$'],
  ...['\\`', 'ﬁ', 'é', '$$', '${', '$(', '\\#', ' #', '<(', 'x', 'y', 'a b', ' ', '  ', "'", '"', '\\', '$'],
  ...['{', '}', ',', '..', '~', '*', '?', '[', ']', '#', '=', 'A=', '-', '!', '@', '%', '^', ':', '\t', '1'],
  ...['(', ')', '`', '&', '|', ';', '<', '>', '\n'],
)

function bashWords(line: string): string[] | undefined {
  const r = spawnSync(
    '/bin/bash',
    ['--norc', '--noprofile', '-c', `set -- ${line}\nprintf '%s\\0' "$#" "$@"`],
    {
      cwd: dir,
      env: { PATH: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  if (r.status !== 0) return undefined
  // The count first: printf with no words left would still print one empty one.
  const [count, ...words] = r.stdout.toString().split('\0').slice(0, -1)
  assert.equal(words.length, Number(count))
  return words
}

test('bash splits every line the classifier gives a command form into the same words', () => {
  let compared = 0
  fc.assert(
    fc.property(fc.array(fragments, { maxLength: 12 }), (parts) => {
      const line = parts.join('')
      if (/^\s*\n/.test(line)) return
      const action = classifyExec(line, 'u')
      const object = action.needs[0]!.object
      if (action.unclassified || !object.startsWith('u:')) return
      const read = tokenizeCommand(object.slice(2))
      assert.ok('tokens' in read, `the command form of ${JSON.stringify(line)} reads back`)
      if (read.tokens.some((t) => t.type !== 'word' || t.assign)) return
      const ours = read.tokens.map((t) => (t as { text: string }).text)
      const words = bashWords(line)
      assert.ok(words, `bash reads ${JSON.stringify(line)}`)
      compared++
      assert.deepEqual(ours, words, JSON.stringify(line))
    }),
    { numRuns: 800 },
  )
  assert.ok(compared > 25, `only ${compared} lines had a command form`)
})

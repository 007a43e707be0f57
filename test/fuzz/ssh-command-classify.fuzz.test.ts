// The SSH command classifier never throws and stays bounded, whatever the text; nothing it cannot read is
// allowed, and a grant of two command entries allows only those commands, never with an operator, an
// expansion or a redirection added.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { decide } from '../../src/core/policy/decide.ts'
import { tokenizeCommand } from '../../src/kinds/ssh-command-pattern.ts'
import { classifyExec } from '../../src/protocols/ssh/command/index.ts'
import { activeGrant, GRANT_TIME } from '../support/grant-fixture.ts'

const fragments = fc.constantFrom(
  'echo',
  'ls',
  '-la',
  'rm',
  '-rf',
  '/',
  'x',
  ' ',
  ' ',
  '\t',
  '\n',
  ';',
  '&&',
  '||',
  '|',
  '&',
  '$',
  '$(',
  '`',
  ')',
  '(',
  '{',
  '}',
  "'",
  '"',
  '\\',
  '\\\n',
  '*',
  '?',
  '~',
  '#',
  '<',
  '>',
  '>>',
  '2>&1',
  '<<',
  'EOF',
  '=',
  'A=1',
  '$IFS',
  ['$', '{IFS}'].join(''),
  '!',
  '[[',
  ']]',
  'ѕ',
  '\u200b',
  '\u0000',
  '\r',
  'é',
  // Working-directory changes and programs whose writes are resolved against them.
  'cd',
  '..',
  'tar',
  '-xf',
  '-C',
  'git',
  'for i in 1; do',
  'done',
)

const grant = activeGrant('exec:deploy:echo *, exec:deploy:ls *', { resourceId: 'r' })
const rules = { resourceId: 'r', implicit: { allow: [], except: [] }, guardrails: [] }

test('any token soup or string: no throw, and allowed only as a plain echo or ls', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.array(fragments, { maxLength: 40 }).map((f) => f.join('')),
        fc.string({ maxLength: 200 }),
        fc.string({ unit: 'binary', maxLength: 100 }),
      ),
      (text) => {
        const action = classifyExec(text, 'deploy')
        const decision = decide(action, grant, rules, GRANT_TIME)
        if (decision.outcome !== 'allow') return
        assert.equal(action.unclassified, undefined, text)
        const object = action.needs[0]!.object
        const read = tokenizeCommand(object.slice('deploy:'.length))
        assert.ok('tokens' in read, text)
        assert.ok(['echo', 'ls'].includes((read.tokens[0] as { text: string }).text), text)
        assert.ok(
          read.tokens.every((t) => t.type === 'word' && !t.assign),
          text,
        )
      },
    ),
    { numRuns: 3000 },
  )
})

test('hostile sizes stay bounded: each classification finishes well inside a second', () => {
  for (const text of [
    'a|'.repeat(4000),
    '$('.repeat(4000),
    '"'.repeat(8000),
    'echo '.repeat(1600),
    `${'x'.repeat(8000)}`,
    '{ '.repeat(4000),
    '\\\n'.repeat(4000),
    // Each `cd` may start from any directory before it: the set doubles per cd unless capped.
    `${Array.from({ length: 250 }, (_, i) => `cd d${i}`).join('; ')}; tar -xf a.tar`,
    // Every source lands in every -t directory: 600 × 600 pairs unless capped.
    `cp ${'-t d '.repeat(600)}${'s '.repeat(600)}`,
  ]) {
    const started = process.hrtime.bigint()
    classifyExec(text, 'deploy')
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 3000, text.slice(0, 10))
  }
})

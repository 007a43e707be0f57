// The console's SQL highlighter: every character lands in one token (the statement is shown unchanged)
// and the usual shapes get the right kinds.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { tokenizeSql } from '../../web/src/components/sql-tokens.ts'

test('joining the tokens gives the statement back, whatever the input', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 200 }),
      (sql) =>
        tokenizeSql(sql)
          .map((t) => t.text)
          .join('') === sql,
    ),
  )
})

test('keywords, strings, quoted identifiers, numbers, parameters and comments', () => {
  const kinds = tokenizeSql(`select "Name", 'it''s' from t where id = $1 and n > 2.5 -- note`)
    .filter((t) => t.kind !== 'text')
    .map((t) => `${t.kind}:${t.text}`)
  assert.deepEqual(kinds, [
    'keyword:select',
    'identifier:"Name"',
    'operator:,',
    "string:'it''s'",
    'keyword:from',
    'keyword:where',
    'operator:=',
    'parameter:$1',
    'keyword:and',
    'operator:>',
    'number:2.5',
    'comment:-- note',
  ])
  assert.deepEqual(
    tokenizeSql('$$ body; $$').map((t) => t.kind),
    ['string'],
  )
})

import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import fc from 'fast-check'
import { loadModule, scanSync } from 'libpg-query'
import { cacheKeyOf, exceedsLexerBudget } from './classify-key.ts'

before(async () => {
  await loadModule()
})

const M = '\u0001'

test('abstracts literal values by lexical class and keeps the rest of the token stream', () => {
  assert.equal(
    cacheKeyOf("SELECT * FROM t WHERE a = 'x' AND b = 42"),
    `select * from t where a = ${M}s and b = ${M}i`,
  )
  assert.equal(cacheKeyOf("select E'a\\'b', $q$it's$q$, $$x$$"), `select ${M}s, ${M}s, ${M}s`)
  assert.equal(
    cacheKeyOf("select B'10', X'ff', N'n', U&'d' uescape '!'"),
    `select ${M}b, ${M}x, ${M}n, ${M}u uescape ${M}s`,
  )
  assert.equal(
    cacheKeyOf('select 1.5, 1e3, 3000000000, 0x1f, 1_000'),
    `select ${M}f, ${M}f, ${M}f, ${M}i, ${M}i`,
  )
  assert.equal(cacheKeyOf('select $1, $12'), 'select $1, $12')
})

test('folds unquoted identifiers in ASCII only and keeps quoted identifiers as written', () => {
  assert.equal(cacheKeyOf('SELECT * FROM "Billing"."Invoices"'), 'select * from "Billing"."Invoices"')
  assert.equal(cacheKeyOf('SELECT * FROM Ä'), 'select * from Ä')
  assert.equal(cacheKeyOf('SELECT * FROM U&"a\\0041"'), 'select * from U&"a\\0041"')
})

test('comments and whitespace collapse to one space; nested comments are honoured', () => {
  const plain = cacheKeyOf('select a from t')
  assert.equal(cacheKeyOf('select /* c */ a --x\n from\tt'), plain)
  assert.equal(cacheKeyOf('select /* a /* nested */ still comment */ a from t'), plain)
  assert.equal(cacheKeyOf('select a+/*x*/b'), 'select a+ b')
  assert.equal(cacheKeyOf('select a+--b\n1'), `select a+ ${M}i`)
})

test('string continuation needs a newline, as in scan.l', () => {
  assert.equal(cacheKeyOf("select 'a'\n'b'"), `select ${M}s`)
  assert.equal(cacheKeyOf("select 'a' \n  'b'"), `select ${M}s`)
  // PostgreSQL 15 joins these, libpg-query 18 does not: not keyed, so the parser's verdict always applies.
  assert.equal(cacheKeyOf("select 'a' -- c\n  'b'"), undefined)
  assert.equal(cacheKeyOf("select 'a'\n-- c\n'b'"), undefined)
  assert.equal(cacheKeyOf("select 'a' /* c */\n'b'"), `select ${M}s ${M}s`)
  assert.equal(cacheKeyOf("select 'a' 'b'"), `select ${M}s ${M}s`)
  assert.equal(cacheKeyOf("select B'1''0'"), `select ${M}b${M}s`)
})

test('gives up on what it cannot key safely', () => {
  for (const sql of [
    "select 'open",
    'select /* open',
    'select $$open',
    'select 1abc',
    'select $1a',
    'select 1..2',
    'a\u0001b',
  ]) {
    assert.equal(cacheKeyOf(sql), undefined, sql)
  }
})

test('stays linear on pathological input', () => {
  const started = performance.now()
  cacheKeyOf(`select 'a'${' '.repeat(50_000)}x`)
  cacheKeyOf(`select 'a' ${'-'.repeat(50_000)}`)
  cacheKeyOf(`select 'a'\n${' \n'.repeat(50_000)}x`)
  assert.ok(performance.now() - started < 500)
})

test('flags texts on which PostgreSQL’s lexer goes quadratic, and only those', () => {
  assert.ok(exceedsLexerBudget('/*'.repeat(8_000)))
  assert.ok(exceedsLexerBudget(`${'/*'.repeat(2_000)}${'*/'.repeat(2_000)}`))
  assert.ok(!exceedsLexerBudget(`/*${'*'.repeat(100_000)}*/ select 1`))
  assert.ok(
    !exceedsLexerBudget(Array.from({ length: 10_000 }, (_, i) => `/* c${i} */ select ${i};`).join('\n')),
  )
})

/** The key built from PostgreSQL's own lexer (libpg-query scanSync), for the differential test below. */
function keyFromPostgresLexer(sql: string): string {
  const tokens = scanSync(sql).tokens
  let key = ''
  let end = 0
  let space = false
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.start > end) space = true
    end = t.end
    if (t.tokenName === 'C_COMMENT' || t.tokenName === 'SQL_COMMENT') {
      space = true
      continue
    }
    const text = sql.slice(t.start, t.end)
    let out: string
    const next = tokens[i + 1]
    if (
      /^[nN]$/.test(text) &&
      next?.tokenName === 'SCONST' &&
      next.start === t.end &&
      sql[next.start] === "'"
    ) {
      out = `${M}n`
      end = next.end
      i++
    } else if (t.tokenName === 'SCONST') out = `${M}s`
    else if (t.tokenName === 'ICONST') out = `${M}i`
    else if (t.tokenName === 'FCONST') out = `${M}f`
    else if (/^[bB]'/.test(text)) out = `${M}b`
    else if (/^[xX]'/.test(text)) out = `${M}x`
    else if (/^[uU]&'/.test(text)) out = `${M}u`
    else if (/^([uU]&)?"/.test(text)) out = text
    else out = text.replace(/[A-Z]+/g, (s) => s.toLowerCase())
    if (space && key.length > 0) key += ' '
    space = false
    key += out
  }
  return key
}

test('agrees with PostgreSQL’s lexer on every text both accept (differential, ASCII)', () => {
  const fragment = fc.constantFrom(
    ...[
      ' ',
      '\n',
      '\t',
      "'",
      "''",
      "E'",
      "B'",
      "X'",
      "N'",
      "U&'",
      'U&"',
      '"',
      '""',
      '\\',
      '$',
      '$$',
      '$a$',
      '$1',
    ],
    ...[
      '--',
      '/*',
      '*/',
      '/',
      '*',
      '-',
      '+',
      'e',
      'E',
      '.',
      '_',
      '0',
      '1',
      '9',
      '0x',
      'select',
      'Ab',
      'n',
      ';',
      '(',
      ')',
    ],
  )
  fc.assert(
    fc.property(fc.array(fragment, { maxLength: 24 }), (parts) => {
      const sql = parts.join('')
      const mine = cacheKeyOf(sql)
      if (mine === undefined) return
      let theirs: string
      try {
        theirs = keyFromPostgresLexer(sql)
      } catch {
        return // PostgreSQL rejects the text: it never parses, so it is never cached
      }
      assert.equal(mine, theirs, JSON.stringify(sql))
    }),
    { numRuns: 20_000 },
  )
})

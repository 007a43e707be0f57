import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import fc from 'fast-check'
import { classifySql, createClassifier, loadSqlParser } from './classify.ts'

before(async () => {
  await loadSqlParser()
})

test('a cache hit gives the same Action as a full parse, text included', () => {
  const classifier = createClassifier()
  const first = classifier.classify('DELETE FROM t WHERE id = 1')
  const hit = classifier.classify('delete   from t /* again */ where id = 2')
  assert.equal(classifier.size, 1)
  assert.deepEqual(hit, classifySql('delete   from t /* again */ where id = 2'))
  assert.equal(hit.text, 'delete   from t /* again */ where id = 2')
  assert.deepEqual(first.needs, hit.needs)
  // Every text of one shape shares the template's frozen arrays: a caller's change fails, never reaches the
  // cache.
  assert.throws(() => hit.needs.push({ verb: 'x', object: 'y' }), TypeError)
  assert.throws(() => hit.traits.push('read-only'), TypeError)
  assert.equal(
    classifier.classify('delete from t where id = 3').needs.length,
    2,
    'callers cannot change the cache',
  )
})

test('decisions that read a literal are cached by exact text only', () => {
  const classifier = createClassifier()
  assert.ok(
    !classifier.classify("select set_config('app.tenant', '1', false)").traits.includes('role-change'),
  )
  assert.ok(classifier.classify("select set_config('role', 'admin', false)").traits.includes('role-change'))
  assert.equal(classifier.classify("set client_encoding = 'UTF8'").unclassified, undefined)
  assert.match(classifier.classify("set client_encoding = 'SJIS'").unclassified ?? '', /misread/)
  assert.equal(classifier.classify("set client_encoding = 'UTF8'").unclassified, undefined)
})

test('texts that do not parse are not cached', () => {
  const classifier = createClassifier()
  assert.match(classifier.classify("select E'\\u12'").unclassified ?? '', /does not parse/)
  assert.equal(classifier.size, 0)
  assert.equal(classifier.classify("select E'\\u0041'").unclassified, undefined)
})

test('the cache is bounded and evicts the least recently used key', () => {
  const classifier = createClassifier({ maxEntries: 2 })
  classifier.classify('select * from a')
  classifier.classify('select * from b')
  classifier.classify('select * from a')
  classifier.classify('select * from c')
  assert.equal(classifier.size, 2)
})

// Statements whose classification could depend on their literals, with holes for generated literals
// ({}) and for generated whitespace or comments (~).
const TEMPLATES = [
  'DELETE~FROM t~WHERE~{}~=~{}',
  'DELETE FROM t WHERE id + {} = id~+~{}',
  'COPY t~FROM~STDIN; COPY t FROM {}',
  'UPDATE t SET a~=~{}~WHERE {} = {} OR id = {}',
  'SELECT~set_config({},~{},~false)',
  'PREPARE p AS SELECT set_config({}, {}, true)',
  'SET standard_conforming_strings~=~{}',
  'SET client_encoding TO~{}',
  'SET ROLE {}',
  'COPY t~TO~PROGRAM~{}',
  'COPY t FROM {} WITH (FORMAT {})',
  'SELECT * FROM t WHERE a = {} LIMIT {}',
  'SELECT {};~DELETE FROM t WHERE {}',
  'EXPLAIN (ANALYZE {}) DELETE FROM t WHERE id = {}',
  'INSERT INTO t VALUES ({}, {}) RETURNING {}',
  'SELECT * FROM t WHERE x = {}::int AND y IN ({}, {})',
]

const settingNames = [
  'role',
  'search_path',
  'app.tenant',
  'client_encoding',
  'standard_conforming_strings',
  'ROLE',
]
const quote = (s: string) => `'${s.replaceAll("'", "''")}'`
const literal = fc.oneof(
  fc.integer().map(String),
  fc.constantFrom('3000000000', '1.5', '1e3', '0x1F', '1_000', '0', '1', '2'),
  fc.string({ maxLength: 8 }).map(quote),
  fc.constantFrom(...settingNames).map(quote),
  fc.constantFrom('on', 'off', 'UTF8', 'sjis', 'true', 'false').map(quote),
  fc.string({ maxLength: 6 }).map((s) => `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`),
  fc
    .tuple(fc.constantFrom('', 'a', 'tag'), fc.string({ maxLength: 6 }))
    .map(([tag, s]) =>
      s.includes(`$${tag}$`) || s.endsWith('$') ? `$${tag}$x$${tag}$` : `$${tag}$${s}$${tag}$`,
    ),
  fc.constantFrom("B'101'", "X'ff'", "N'n'", "U&'d\\0061t'", 'true', 'false', 'null', "'a'\n'b'"),
)
const gap = fc.constantFrom(' ', '  ', '\n', '/* c */', '/* a /* b */ c */', ' -- x\n', '\t')

test('property: the cached classifier always equals a fresh full parse', () => {
  const statement = fc
    .tuple(
      fc.constantFrom(...TEMPLATES),
      fc.array(literal, { minLength: 4, maxLength: 4 }),
      fc.array(gap, { minLength: 6, maxLength: 6 }),
    )
    .map(([template, literals, gaps]) => {
      let l = 0
      let g = 0
      return template.replace(/\{\}|~/g, (hole) =>
        hole === '~' ? gaps[g++ % gaps.length]! : literals[l++ % literals.length]!,
      )
    })
  fc.assert(
    fc.property(fc.array(statement, { minLength: 1, maxLength: 30 }), (statements) => {
      const classifier = createClassifier({ maxEntries: 8 })
      for (const sql of statements) assert.deepEqual(classifier.classify(sql), classifySql(sql), sql)
    }),
    { numRuns: 300 },
  )
})

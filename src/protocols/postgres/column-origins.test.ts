import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { compileMaskingRules, maskingContextFor } from '../../core/index.ts'
import { loadSqlParser } from './classify.ts'
import { ColumnOrigins, referencesMaskedColumn } from './column-origins.ts'
import { readsOfText } from './statement-reads.ts'
import type { RelationColumn, TableCatalog } from './table-catalog.ts'

before(loadSqlParser)

// public.cards: id int4, amount int8, internal_code text.
const columns: RelationColumn[] = [
  { name: 'id', typeOid: 23, table: 'public.cards' },
  { name: 'amount', typeOid: 20, table: 'public.cards' },
  { name: 'internal_code', typeOid: 25, table: 'public.cards' },
]
const catalog = {
  hasAll: () => true,
  hasRelations: () => true,
  cachedRelationColumns: (relation: string) =>
    relation === 'public.cards' ? columns : relation === 'public.other' ? [] : undefined,
} as unknown as TableCatalog
const masking = maskingContextFor(
  compileMaskingRules({
    rules: [{ id: 'codes', style: 'redact', columns: ['cards.internal_code'] }],
    hashKey: 'k',
  }),
  'db',
  ['agents'],
)!
const computed = (typeOid: number) => [{ name: 'v', tableOid: 0, columnAttr: 0, typeOid, format: 0 }]
const originsOf = (sql: string, typeOid: number) =>
  new ColumnOrigins(catalog).describe(computed(typeOid), readsOfText(sql))[0]?.origins?.map((o) => o.name) ??
  []

test('a computed number carries the columns its statement references, whatever their type', () => {
  assert.deepEqual(originsOf('SELECT ascii(substr(internal_code, 1, 1)) FROM cards', 23), [
    'id',
    'internal_code',
  ])
  assert.deepEqual(originsOf('SELECT length(c::text) FROM cards c', 23), ['id', 'amount', 'internal_code'])
  assert.deepEqual(originsOf('SELECT count(*) FROM cards', 20), ['amount'])
  assert.deepEqual(originsOf('SELECT sum(amount) FROM cards', 1700), ['amount'])
  assert.deepEqual(originsOf('SELECT upper(id::text) FROM cards', 25), ['id', 'amount', 'internal_code'])
})

test('a statement that cannot be read leaves a computed value of any type of unknown origin', () => {
  const [column] = new ColumnOrigins(catalog).describe(computed(23), readsOfText('EXECUTE unknown_statement'))
  assert.equal(column?.originUnknown, true)
})

test('whether a failing statement references a masked column', () => {
  const refs = (sql: string) => referencesMaskedColumn(readsOfText(sql), masking, catalog)
  assert.equal(refs('SELECT quote_ident(internal_code)::regclass FROM cards'), true)
  assert.equal(refs('SELECT c.internal_code::regrole FROM public.cards c'), true)
  assert.equal(refs('SELECT c::text::regclass FROM cards c'), true)
  assert.equal(refs('SELECT * FROM cards'), true)
  assert.equal(refs('SELECT id::text::regclass FROM cards'), false)
  assert.equal(refs('SELECT * FROM other'), false)
  assert.equal(refs('SELECT * FROM unknown_table'), true, 'columns not learnt: fail closed')
  assert.equal(refs('SELECT ('), true, 'unparsable: fail closed')
})

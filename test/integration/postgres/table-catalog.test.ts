// The masking catalog's view of relations: a relation it cannot find from its own connection (a temporary
// table, a schema reached through another search_path) is unknown, never "a table with no columns", so
// masking fails closed for what a statement computes from it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { SchemaChanges } from '../../../src/protocols/kit/schema-changes.ts'
import { TableCatalog } from '../../../src/protocols/postgres/table-catalog.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../support/postgres.ts'

let db: ThrowawayDatabase
let catalog: TableCatalog

before(async () => {
  db = await createThrowawayDatabase()
  await db.query('CREATE TABLE public.cards (id int, card text)')
  catalog = new TableCatalog(
    { host: db.host, port: db.port, database: db.name, user: db.user, tls: 'disable', loginTimeout: '10s' },
    () => ({ user: db.user }),
    new SchemaChanges(),
  )
})
after(async () => {
  await catalog.close()
  await db[Symbol.asyncDispose]()
})

test('a relation found has its columns; one not found is unknown', async () => {
  await catalog.resolveRelations(['public.cards', 'public.not_there'])
  assert.deepEqual(
    catalog.cachedRelationColumns('public.cards')?.map((c) => c.name),
    ['id', 'card'],
  )
  assert.equal(catalog.hasRelations(['public.not_there']), true, 'looked up, not asked again at once')
  assert.equal(catalog.cachedRelationColumns('public.not_there'), undefined)
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Action, ScopeEntry } from '../../core/index.ts'
import { mayChangeRelations, SchemaChanges } from './schema-changes.ts'

const action = (needs: ScopeEntry[], traits: string[] = []): Action => ({
  protocol: 'postgres',
  kind: 'Stmt',
  needs,
  traits,
  text: '…',
})
const notServers = (need: ScopeEntry) => !need.object.startsWith('pg_catalog.')

test('DDL, dynamic SQL and calls of routines not the server own may change relations; reads and writes not', () => {
  const changing = [
    action([{ verb: 'create', object: 'app.v' }]),
    action([{ verb: 'alter', object: 'app.t' }]),
    action([{ verb: 'drop', object: 'app.v' }]),
    action([], ['ddl']),
    action([{ verb: 'execute', object: 'do' }], ['dynamic-sql']),
    action([{ verb: 'execute', object: 'app.make_views' }]),
  ]
  for (const a of changing) assert.equal(mayChangeRelations(a, notServers), true, JSON.stringify(a))
  const plain = [
    action([{ verb: 'select', object: 'app.t' }]),
    action([
      { verb: 'insert', object: 'app.t' },
      { verb: 'execute', object: 'pg_catalog.now' },
    ]),
  ]
  for (const a of plain) assert.equal(mayChangeRelations(a, notServers), false, JSON.stringify(a))
})

test('a change moves the generation and is announced; one heard is not announced again', () => {
  let announced = 0
  const changes = new SchemaChanges(() => announced++)
  const before = changes.generation
  changes.changed()
  changes.heard()
  assert.equal(changes.generation, before + 2)
  assert.equal(announced, 1)
})

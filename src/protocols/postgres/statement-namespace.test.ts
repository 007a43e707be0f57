import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  MAX_PREPARED_STATEMENTS,
  type PreparedStatement,
  StatementNamespace,
  UNCERTAIN,
} from './statement-namespace.ts'

const statement = (text: string): PreparedStatement => ({
  text,
  kind: 'SelectStmt',
  sent: text,
  action: { protocol: 'postgres', kind: 'SelectStmt', needs: [], traits: [], text },
})

test('within a segment a Parse is what a later message sees; after its Sync, only the server says', () => {
  const ns = new StatementNamespace()
  ns.parsing('s1', statement('select 1'))
  assert.equal((ns.statement('s1') as PreparedStatement).text, 'select 1')
  const parsed = ns.endSegment()
  assert.deepEqual(parsed, ['s1'])
  assert.equal(ns.statement('s1'), UNCERTAIN)
  // The server refused the Parse (no ParseComplete): once its Sync is answered, s1 is what it was.
  ns.settled(parsed)
  assert.equal(ns.statement('s1'), undefined)
  // Confirmed, then re-parsed under the same name in a later segment that fails: still the first.
  ns.prepared('s1', statement('select 1'))
  ns.parsing('s1', statement('select 2'))
  ns.settled(ns.endSegment())
  assert.equal((ns.statement('s1') as PreparedStatement).text, 'select 1')
})

test('a Close applies at CloseComplete; a Query preparing a name makes it uncertain until answered', () => {
  const ns = new StatementNamespace()
  ns.prepared('p', statement('select 1'))
  ns.closing('p')
  assert.equal(ns.statement('p'), undefined, 'later in the segment the name is gone')
  ns.settled(ns.endSegment())
  assert.equal((ns.statement('p') as PreparedStatement).text, 'select 1', 'the Close was skipped')
  ns.querySent(['q'])
  assert.equal(ns.statement('q'), UNCERTAIN)
  ns.unknown('q', statement('PREPARE q AS ...; broken'))
  ns.settled(['q'])
  assert.equal((ns.statement('q') as PreparedStatement).unknown, true)
})

test('portals: certain within their segment, uncertain while a Sync or Query is unanswered', () => {
  const ns = new StatementNamespace()
  const info = { text: 'select 1', kind: 'SelectStmt', sent: 'select 1' }
  ns.binding('p', info)
  assert.equal(ns.portal('p'), info)
  ns.endSegment()
  assert.equal(ns.portal('p'), UNCERTAIN)
  ns.bound('p', info)
  ns.settled([])
  assert.equal(ns.portal('p'), info)
  ns.querySent([])
  assert.equal(ns.portal('p'), UNCERTAIN, 'the query may COMMIT or CLOSE it')
  ns.settled([])
  ns.forgetPortals()
  assert.equal(ns.portal('p'), undefined)
})

test('named statements are bounded; the unnamed one does not count', () => {
  const ns = new StatementNamespace()
  ns.prepared('', statement('select 0'))
  for (let i = 0; i < MAX_PREPARED_STATEMENTS - 1; i++) ns.prepared(`n${i}`, statement('select 1'))
  assert.equal(ns.full, false)
  ns.prepared('last', statement('select 1'))
  assert.equal(ns.full, true)
  ns.deallocated('*')
  assert.equal(ns.full, false)
})

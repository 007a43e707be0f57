import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type ObjectPolicy, rewriteBody, rewriteWatchEvent } from './rewrite-objects.ts'

const onlyTeamA: ObjectPolicy = { visible: (_name, namespace) => namespace === 'team-a' }
const pod = (name: string, namespace: string) => ({ kind: 'Pod', metadata: { name, namespace } })
const LAST = 'kubectl.kubernetes.io/last-applied-configuration'

test('a list keeps only the visible items and drops the count of what follows', () => {
  const body = {
    kind: 'PodList',
    metadata: { continue: 'x', remainingItemCount: 7 },
    items: [pod('web', 'team-a'), pod('db', 'team-b'), 'not an object'],
  }
  const out = rewriteBody(body, onlyTeamA) as typeof body
  assert.deepEqual(out.items, [pod('web', 'team-a')])
  assert.deepEqual(out.metadata, { continue: 'x' })
})

test('a Table (kubectl get) keeps only the rows whose object is visible; a row without one is dropped', () => {
  const body = {
    kind: 'Table',
    columnDefinitions: [{ name: 'Name' }],
    rows: [
      { cells: ['web'], object: pod('web', 'team-a') },
      { cells: ['db'], object: pod('db', 'team-b') },
      { cells: ['?'] },
    ],
  }
  const out = rewriteBody(body, onlyTeamA) as typeof body
  assert.deepEqual(
    out.rows.map((r) => r.cells[0]),
    ['web'],
  )
})

test('watch events of hidden objects are dropped; bookmarks and errors pass', () => {
  assert.equal(rewriteWatchEvent({ type: 'ADDED', object: pod('db', 'team-b') }, onlyTeamA), undefined)
  assert.ok(rewriteWatchEvent({ type: 'ADDED', object: pod('web', 'team-a') }, onlyTeamA))
  assert.ok(rewriteWatchEvent({ type: 'BOOKMARK', object: { kind: 'Pod', metadata: {} } }, onlyTeamA))
  const table = {
    type: 'ADDED',
    object: { kind: 'Table', rows: [{ cells: [], object: pod('db', 'team-b') }] },
  }
  assert.equal(rewriteWatchEvent(table, onlyTeamA), undefined)
  // A whole list where a watch event was expected (the server read the request as a list) is never passed.
  assert.throws(() => rewriteWatchEvent({ kind: 'PodList', items: [pod('db', 'team-b')] }, onlyTeamA))
})

test('Secret values and the last-applied annotation are masked unless shown; a Status passes untouched', () => {
  const secret = () => ({
    kind: 'Secret',
    metadata: {
      name: 's1',
      namespace: 'team-a',
      annotations: { [LAST]: '{"data":{"password":"aHVudGVyMg=="}}' },
    },
    data: { password: 'aHVudGVyMg==' },
    stringData: { token: 'abc' },
  })
  const masked = rewriteBody(secret(), { secretShown: () => false }) as ReturnType<typeof secret>
  assert.equal(Buffer.from(masked.data.password, 'base64').toString(), '<masked by taskgate>')
  assert.equal(masked.stringData.token, '<masked by taskgate>')
  assert.doesNotMatch(JSON.stringify(masked), /aHVudGVyMg/)
  const shown = rewriteBody(secret(), { secretShown: (name) => name === 's1' }) as ReturnType<typeof secret>
  assert.equal(shown.data.password, 'aHVudGVyMg==')
  const inTable = rewriteBody(
    { kind: 'Table', rows: [{ cells: [], object: secret() }] },
    { secretShown: () => false },
  )
  assert.doesNotMatch(JSON.stringify(inTable), /aHVudGVyMg/)
  const status = { kind: 'Status', code: 403, message: 'no' }
  assert.deepEqual(rewriteBody(status, onlyTeamA), status)
})

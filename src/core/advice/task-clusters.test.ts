import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { GrantUsage } from './grant-usage.ts'
import { clusterTasks, similarity, taskWords } from './task-clusters.ts'

test('task words: lower case, stop words, numbers and repeats dropped, bounded', () => {
  assert.deepEqual(taskWords('Export the March invoices to Finance (ticket 4521), export again'), [
    'export',
    'march',
    'invoices',
    'finance',
    'ticket',
    'again',
  ])
  assert.equal(
    taskWords('word '.repeat(10) + Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ')).length,
    64,
  )
  assert.equal(similarity(['a', 'b'], ['b', 'c']), 1 / 3)
})

test('similar tasks cluster and get the union of what they used', () => {
  const usage = (grantId: string, task: string, used: string): GrantUsage => ({
    grantId,
    principalId: 'p',
    principalName: 'p',
    groups: [],
    resourceId: 'db',
    task,
    requestedAt: new Date(0),
    requested: [{ verb: 'select', object: '*' }],
    used: [{ verb: 'select', object: used }],
    unused: [],
    actions: 1,
    actionsWithoutNeeds: 0,
  })
  const clusters = clusterTasks([
    usage('g1', 'refund order 17 for customer', 'shop.orders'),
    usage('g2', 'drop stale sessions', 'app.sessions'),
    usage('g3', 'Refund order 99 for the customer', 'shop.payments'),
  ])
  assert.deepEqual(
    clusters.map((c) => [c.grantIds, c.words, c.suggested.map((e) => e.object)]),
    [
      [
        ['g1', 'g3'],
        ['refund', 'order', 'customer'],
        ['shop.orders', 'shop.payments'],
      ],
      [['g2'], ['drop', 'stale', 'sessions'], ['app.sessions']],
    ],
  )
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { PolicyConfig } from '../../config/schema.ts'
import type { GrantUsage } from './grant-usage.ts'
import { suggestPolicies } from './policy-suggestion.ts'

const usage = (resourceId: string, used: string[], groups = ['agents']): GrantUsage => ({
  grantId: `g-${resourceId}-${used.join()}`,
  principalId: 'sa:bot',
  principalName: 'bot',
  groups,
  resourceId,
  task: 'a task',
  requestedAt: new Date(0),
  requested: [{ verb: 'select', object: 'app.*' }],
  used: used.map((e) => ({ verb: e.split(':')[0]!, object: e.split(':')[1]! })),
  unused: [],
  actions: 1,
  actionsWithoutNeeds: 0,
})

const policy = (p: Partial<PolicyConfig> & Pick<PolicyConfig, 'resources'>): PolicyConfig => ({
  group: 'agents',
  ceiling: ['select:app.*', 'delete:app.*'],
  autoApprove: ['select:app.*'],
  approvers: ['dbas'],
  maxTtl: '1h',
  ...p,
})

test('a policy for one resource is narrowed in place; the diff keeps unchanged lines as context', () => {
  const advice = suggestPolicies([policy({ resources: ['db'] })], [usage('db', ['select:app.users'])])
  assert.deepEqual(advice.suggestions[0]?.suggested, {
    ceiling: [{ verb: 'select', object: 'app.users' }],
    autoApprove: [{ verb: 'select', object: 'app.users' }],
  })
  assert.deepEqual(advice.suggestions[0]?.unused, [{ verb: 'delete', object: 'app.*' }])
  assert.match(advice.diff, /^ {3}- group: agents$/m)
  assert.match(advice.diff, /^- {6}- delete:app\.\*$/m)
  assert.match(advice.diff, /^\+ {6}- select:app\.users$/m)
  assert.match(advice.diff, /^ {5}maxTtl: 1h$/m)
})

test('a policy for several resources is split: the advised resource gets a policy of its own', () => {
  const advice = suggestPolicies(
    [policy({ resources: ['db', 'other'] })],
    [usage('db', ['select:app.users', 'delete:app.sessions'])],
  )
  assert.equal(advice.suggestions[0]?.notApplied, undefined)
  assert.equal(
    advice.policiesYaml,
    `policies:
  - group: agents
    resources:
      - other
    ceiling:
      - select:app.*
      - delete:app.*
    autoApprove:
      - select:app.*
    approvers:
      - dbas
    maxTtl: 1h
  - group: agents
    resources:
      - db
    ceiling:
      - delete:app.sessions
      - select:app.users
    autoApprove:
      - select:app.users
    approvers:
      - dbas
    maxTtl: 1h
`,
  )
})

test('a policy for every resource is not rewritten, and says why; nothing used suggests nothing', () => {
  const star = suggestPolicies([policy({ resources: ['*'] })], [usage('db', ['select:app.users'])])
  assert.match(star.suggestions[0]?.notApplied ?? '', /covers every resource/)
  assert.equal(star.diff, '')
  const idle = suggestPolicies([policy({ resources: ['db'] })], [usage('db', [])])
  assert.deepEqual(idle.suggestions, [])
  assert.equal(idle.diff, '')
})

test('only the asked group; groups without a policy on the resource are left out', () => {
  const advice = suggestPolicies(
    [policy({ resources: ['db'] }), policy({ group: 'dbas', resources: ['db'] })],
    [usage('db', ['select:app.users'], ['agents', 'dbas', 'nobody'])],
    'dbas',
  )
  assert.deepEqual(
    advice.suggestions.map((s) => s.group),
    ['dbas'],
  )
})

test('more used entries than a ceiling may hold widen to their schema', () => {
  const many = Array.from({ length: 70 }, (_, i) => `select:app.t${i}`)
  const advice = suggestPolicies([policy({ resources: ['db'] })], [usage('db', many)])
  assert.deepEqual(advice.suggestions[0]?.suggested.ceiling, [{ verb: 'select', object: 'app.*' }])
})

// Configured guardrails through the real config parser and the decide pipeline: overriding a built-in,
// switching one off, limiting a rule to groups or resources, and the raw-text pattern.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { activeGrant, GRANT_TIME } from '../../../test/support/grant-fixture.ts'
import { parseConfigText } from '../../config/load.ts'
import { parseScope } from '../grants/scope.ts'
import type { Action } from './action.ts'
import { decide } from './decide.ts'
import { rulesForResource } from './rules-for-resource.ts'

const now = GRANT_TIME

function rulesWith(guardrailsYaml: string, resourceId = 'billing-db') {
  const config = parseConfigText(
    `
resources:
  - id: billing-db
    kind: postgres
    listen: { port: 6432 }
    target: { host: 127.0.0.1, database: billing, user: app }
  - id: reports-db
    kind: postgres
    listen: { port: 6433 }
    target: { host: 127.0.0.1, database: reports, user: app }
policies:
  - group: agents
    resources: [billing-db, reports-db]
    ceiling: ["*:*"]
  - group: dbas
    resources: [billing-db, reports-db]
    ceiling: ["*:*"]
guardrails:
${guardrailsYaml}
`,
    'test.yaml',
  )
  const resource = config.resources.find((r) => r.id === resourceId)!
  return rulesForResource(config, resource, { allow: [], except: [] })
}

function grantFor(groups: string[]) {
  return activeGrant('*:*', { groups })
}

const dropTable: Action = {
  protocol: 'postgres',
  kind: 'DropStmt',
  needs: parseScope('drop:public.orders'),
  traits: ['ddl', 'destructive-ddl', 'stmt:DropStmt'],
  text: 'DROP TABLE orders',
}
const select = (text: string): Action => ({
  protocol: 'postgres',
  kind: 'SelectStmt',
  needs: parseScope('select:public.t'),
  traits: ['read-only'],
  text,
})

test('without configuration the built-in rule denies DROP TABLE', () => {
  const d = decide(dropTable, grantFor(['agents']), rulesWith('  []'), now)
  assert.equal(d.outcome, 'deny')
  assert.equal(d.outcome === 'deny' && d.rule, 'guardrail:no-destructive-ddl')
})

test('an override limited to one group changes the rule for that group only', () => {
  const rules = rulesWith(`
  - id: no-destructive-ddl
    description: DBAs may drop tables with a second person's approval
    action: approve
    groups: [dbas]
`)
  assert.equal(decide(dropTable, grantFor(['dbas']), rules, now).outcome, 'approve-first')
  // Everyone else keeps the built-in deny: a group-limited tuning never switches the rule off for others.
  assert.equal(decide(dropTable, grantFor(['agents']), rules, now).outcome, 'deny')
  assert.equal(decide(dropTable, grantFor(['agents', 'dbas']), rules, now).outcome, 'approve-first')
})

test('switching a rule off for one group leaves it on for the others', () => {
  const rules = rulesWith(`
  - id: no-destructive-ddl
    description: off for DBAs
    action: off
    groups: [dbas]
`)
  assert.equal(decide(dropTable, grantFor(['dbas']), rules, now).outcome, 'allow')
  assert.equal(decide(dropTable, grantFor(['agents']), rules, now).outcome, 'deny')
})

test('switching a rule off for everyone removes it', () => {
  const rules = rulesWith(`
  - id: no-destructive-ddl
    description: off
    action: off
`)
  assert.equal(decide(dropTable, grantFor(['agents']), rules, now).outcome, 'allow')
})

test('an unlimited override replaces the built-in for everyone, keeping its match', () => {
  const rules = rulesWith(`
  - id: no-destructive-ddl
    description: drops need a person
    action: approve
`)
  const d = decide(dropTable, grantFor(['agents']), rules, now)
  assert.equal(d.outcome, 'approve-first')
  assert.match(d.outcome === 'approve-first' ? d.reason : '', /drops need a person/)
})

test('a rule limited to resources applies on those resources only', () => {
  const yaml = `
  - id: no-reads-of-t
    description: t is off limits on reports
    action: deny
    resources: [reports-db]
    match: { needs: ["select:public.t"] }
`
  assert.equal(
    decide(select('SELECT 1 FROM t'), grantFor(['agents']), rulesWith(yaml, 'reports-db'), now).outcome,
    'deny',
  )
  assert.equal(
    decide(select('SELECT 1 FROM t'), grantFor(['agents']), rulesWith(yaml, 'billing-db'), now).outcome,
    'allow',
  )
})

test('a pattern matches the raw text, case-insensitively, as a last resort', () => {
  const rules = rulesWith(`
  - id: no-pg-sleep
    description: no sleeping on the primary
    action: deny
    match: { pattern: "pg_sleep\\\\s*\\\\(" }
`)
  assert.equal(decide(select('SELECT PG_SLEEP (5)'), grantFor(['agents']), rules, now).outcome, 'deny')
  assert.equal(decide(select('SELECT 1'), grantFor(['agents']), rules, now).outcome, 'allow')
})

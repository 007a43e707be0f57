import assert from 'node:assert/strict'
import { test } from 'node:test'
import { configSchema } from '../../config/schema.ts'
import { isTaskgateError } from '../errors.ts'
import { applicableRules, compileMaskingRules, type MaskingRule } from './rules.ts'

const rule = (over: Partial<MaskingRule>): MaskingRule => ({
  id: 'r',
  style: 'redact',
  columns: ['email'],
  ...over,
})

test('rules apply per resource, per group, and not to exempt groups', () => {
  const set = compileMaskingRules({
    rules: [
      rule({ id: 'everyone' }),
      rule({ id: 'billing-only', resources: ['billing-db'] }),
      rule({ id: 'agents-only', groups: ['agents'] }),
      rule({ id: 'not-dba', exemptGroups: ['dba'] }),
    ],
  })
  const ids = (resource: string, groups: string[]) => applicableRules(set, resource, groups).map((r) => r.id)
  assert.deepEqual(ids('billing-db', ['agents']), ['everyone', 'billing-only', 'agents-only', 'not-dba'])
  assert.deepEqual(ids('crm-db', ['people']), ['everyone', 'not-dba'])
  assert.deepEqual(ids('crm-db', ['people', 'dba']), ['everyone'])
  assert.equal(
    applicableRules(set, 'crm-db', ['dba', 'people']),
    applicableRules(set, 'crm-db', ['people', 'dba']),
  )
})

test('invalid rules fail with TG_CONFIG_INVALID naming the key', () => {
  const fails = (rules: MaskingRule[], path: string) =>
    assert.throws(
      () => compileMaskingRules({ rules }),
      (e) => isTaskgateError(e) && e.code === 'TG_CONFIG_INVALID' && e.detail!.startsWith(path),
    )
  fails(
    [rule({ detectors: ['credit-card'] })],
    'masking.rules[0].detectors[0]: unknown detector "credit-card"',
  )
  fails([rule({}), rule({})], 'masking.rules[1].id')
  fails([rule({ columns: [] })], 'masking.rules[0]: a rule needs')
  fails([rule({ columns: ['/(/'] })], 'masking.rules[0].columns[0]')
  assert.throws(
    () => compileMaskingRules({ rules: [], detectors: [{ id: 'card', pattern: 'x' }] }),
    (e) => isTaskgateError(e) && e.detail === 'masking.detectors[0].id: duplicate detector id "card"',
  )
})

test('custom detectors from configuration are usable by id', () => {
  const set = compileMaskingRules({
    rules: [rule({ columns: undefined, detectors: ['employee-id'] })],
    detectors: [{ id: 'employee-id', pattern: 'EMP-\\d{6}' }],
  })
  assert.deepEqual(
    set.rules[0]!.detectors!.map((d) => d.id),
    ['employee-id'],
  )
})

test('the masking section of the configuration compiles as it parses', () => {
  const config = configSchema.parse({
    masking: {
      rules: [
        { id: 'pii', detectors: ['card', 'email'], style: 'partial' },
        { id: 'ssn', columns: ['billing.customers.ssn'], style: 'hash', exemptGroups: ['compliance'] },
      ],
      detectors: [{ id: 'employee-id', pattern: 'EMP-\\d{6}' }],
    },
  })
  assert.deepEqual(config.masking.rules[0]!.resources, ['*'])
  const set = compileMaskingRules({ ...config.masking, hashKey: 'from-secret' })
  assert.equal(set.rules.length, 2)
  assert.deepEqual(configSchema.parse({}).masking, { rules: [], detectors: [] })
  assert.equal(configSchema.safeParse({ masking: { rules: [{ id: 'x', style: 'redact' }] } }).success, false)
})

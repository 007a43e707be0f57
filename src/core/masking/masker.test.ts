import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  maskValue,
  maskValueBytes,
  needsMasking,
  planMasking,
  type ResultColumn,
  takeMaskCounts,
} from './masker.ts'
import { compileMaskingRules, type MaskingRule } from './rules.ts'

const ALL = [
  'card',
  'email',
  'phone',
  'iban',
  'ssn',
  'ip',
  'jwt',
  'private-key',
  'aws-access-key',
  'github-token',
]
const rules = (list: MaskingRule[]) => compileMaskingRules({ rules: list, hashKey: 'test-key' })

const columns: ResultColumn[] = [
  { name: 'id', table: 'billing.invoices', typeHint: 'number' },
  { name: 'amount', table: 'billing.invoices', typeHint: 'number' },
  { name: 'status', table: 'billing.invoices', typeHint: 'text' },
  { name: 'created_at', table: 'billing.invoices', typeHint: 'other' },
  { name: 'email', table: 'billing.customers', typeHint: 'text' },
  { name: 'notes', table: 'billing.invoices', typeHint: 'text' },
  { name: 'payload', table: 'billing.invoices', typeHint: 'json' },
  { name: 'ssn', table: 'billing.customers', typeHint: 'text' },
  { name: 'photo', table: 'billing.customers', typeHint: 'binary' },
]

test('columns no rule can match are forwarded untouched; a plan with none is passthrough', () => {
  const set = rules([{ id: 'ssn', style: 'redact', columns: ['billing.customers.ssn'] }])
  const plan = planMasking(columns, set, ['agents'], 'billing-db')
  assert.deepEqual(
    columns.map((_, i) => needsMasking(plan, i)),
    [false, false, false, false, false, false, false, true, false],
  )
  assert.equal(maskValue(plan, 1, '12.50'), '12.50')
  assert.equal(maskValue(plan, 7, '123-45-6789'), '****')
  const none = planMasking(columns.slice(0, 4), set, ['agents'], 'billing-db')
  assert.equal(none.passthrough, true)
  assert.equal(
    planMasking(columns, set, ['agents'], 'other-db').passthrough,
    false,
    'rules default to every resource',
  )
})

test('amounts, statuses and timestamps pass under every detector', () => {
  const plan = planMasking(columns, rules([{ id: 'pii', style: 'redact', detectors: ALL }]), [], 'db')
  assert.equal(
    maskValue(plan, 0, '4111111111111111'),
    '4111111111111111',
    'an id column of type number is not scanned',
  )
  assert.equal(maskValue(plan, 1, '1234567.89'), '1234567.89')
  assert.equal(maskValue(plan, 2, 'paid'), 'paid')
  assert.equal(maskValue(plan, 3, '2024-01-15 10:30:00.123456+00'), '2024-01-15 10:30:00.123456+00')
  assert.equal(maskValue(plan, 8, '\\x4111111111111111'), '\\x4111111111111111', 'binary is never scanned')
  assert.deepEqual(takeMaskCounts(plan), {})
})

test('free text: only the detected spans are replaced, and counted per column/detector', () => {
  const plan = planMasking(columns, rules([{ id: 'pii', style: 'partial', detectors: ALL }]), [], 'db')
  assert.equal(
    maskValue(plan, 5, 'refund to jane@example.com, card 4111 1111 1111 1111, twice: jane@example.com'),
    'refund to j****@*****.com, card **** **** **** 1111, twice: j****@*****.com',
  )
  assert.equal(maskValue(plan, 5, 'BUILD-555-1234 ok'), 'BUILD-555-1234 ok')
  assert.deepEqual(takeMaskCounts(plan), { 'notes/email': 1, 'notes/card': 1 })
  assert.deepEqual(takeMaskCounts(plan), {}, 'taking resets')
})

test('JSON: keys named by rules and detector finds in strings, re-serialized only on change', () => {
  const set = rules([
    { id: 'keys', style: 'redact', columns: ['password', '*_secret'] },
    { id: 'pii', style: 'hash', detectors: ['email', 'card', 'phone'] },
  ])
  const plan = planMasking(columns, set, [], 'db')
  const doc = {
    user: { email: 'jane@example.com', phones: ['+44 20 7946 0958'], card_number: 4111111111111111, age: 41 },
    password: { hash: 'x' },
    api_secret: 'abc',
    note: 'nothing here',
  }
  const out = JSON.parse(maskValue(plan, 6, JSON.stringify(doc))!)
  assert.match(out.user.email, /^tok_[0-9a-f]{12}$/)
  assert.match(out.user.phones[0], /^tok_/)
  assert.match(out.user.card_number, /^tok_/, 'a number under a card key is a card')
  assert.equal(out.user.age, 41)
  assert.equal(out.password, '****')
  assert.equal(out.api_secret, '****')
  assert.equal(out.note, 'nothing here')
  const untouched = '{ "status": "paid",  "total": 12.5 }'
  assert.equal(maskValue(plan, 6, untouched), untouched, 'formatting kept when nothing changed')
  assert.equal(
    maskValue(plan, 6, 'not json jane@example.com'),
    `not json ${out.user.email}`,
    'scanned as text',
  )
  assert.deepEqual(takeMaskCounts(plan), {
    'payload/email': 2,
    'payload/card': 1,
    'payload/phone': 1,
    'payload/rule:keys': 2,
  })
})

test('column AND detector: only matching values of matching columns', () => {
  const plan = planMasking(
    columns,
    rules([{ id: 'notes-cards', style: 'redact', columns: ['notes'], detectors: ['card'] }]),
    [],
    'db',
  )
  assert.equal(maskValue(plan, 5, 'card 4111111111111111 jane@example.com'), 'card **** jane@example.com')
  assert.equal(needsMasking(plan, 4), false)
})

test('null style: a whole-value find becomes NULL, a span inside text ****', () => {
  const plan = planMasking(columns, rules([{ id: 'emails', style: 'null', detectors: ['email'] }]), [], 'db')
  assert.equal(maskValue(plan, 4, 'jane@example.com'), null)
  assert.equal(maskValue(plan, 5, 'mail jane@example.com'), 'mail ****')
})

test('hash tokens are the same across plans and sessions under one key', () => {
  const a = planMasking(columns, rules([{ id: 'h', style: 'hash', columns: ['email'] }]), [], 'db')
  const b = planMasking(columns, rules([{ id: 'h', style: 'hash', columns: ['email'] }]), ['x'], 'db')
  assert.equal(maskValue(a, 4, 'jane@example.com'), maskValue(b, 4, 'jane@example.com'))
})

test('exempt groups see values; plans are cached per rules in force and column signature', () => {
  const set = rules([{ id: 'emails', style: 'redact', columns: ['email'], exemptGroups: ['support'] }])
  assert.equal(planMasking(columns, set, ['support'], 'db').passthrough, true)
  const one = planMasking(columns, set, ['agents'], 'db')
  const two = planMasking(columns, set, ['people'], 'db')
  assert.equal(one.masks, two.masks, 'same rules in force, same compiled plan')
  assert.notEqual(one.counts, two.counts, 'counters are per plan')
  maskValue(one, 4, 'a@b.co')
  assert.deepEqual(takeMaskCounts(two), {})
  assert.deepEqual(takeMaskCounts(one), { 'email/rule:emails': 1 })
})

test('a number column named for the detector is tested whole', () => {
  const plan = planMasking(
    [{ name: 'card_number', typeHint: 'number' }],
    rules([{ id: 'c', style: 'partial', detectors: ['card'] }]),
    [],
    'db',
  )
  assert.equal(maskValue(plan, 0, '4111111111111111'), '**** **** **** 1111')
  assert.equal(maskValue(plan, 0, '4111111111111112'), '4111111111111112')
})

test('column hints make a detector permissive: nine digits in an ssn column', () => {
  const plan = planMasking(columns, rules([{ id: 's', style: 'partial', detectors: ['ssn'] }]), [], 'db')
  assert.equal(maskValue(plan, 7, '123456789'), '***-**-6789')
  assert.equal(maskValue(plan, 5, 'invoice 123456789'), 'invoice 123456789')
})

test('a detector that throws fails closed', () => {
  const set = compileMaskingRules({
    rules: [{ id: 'c', style: 'redact', detectors: ['boom'] }],
    detectors: [{ id: 'boom', pattern: 'x' }],
  })
  const boom = set.detectors.find((d) => d.id === 'boom')!
  ;(boom as { find: unknown }).find = () => {
    throw new Error('bug')
  }
  const plan = planMasking([{ name: 'notes', typeHint: 'text' }], set, [], 'db')
  assert.equal(maskValue(plan, 0, 'anything'), '****')
})

test('deeply nested JSON is cut, not walked', () => {
  const plan = planMasking(columns, rules([{ id: 'pii', style: 'redact', detectors: ['email'] }]), [], 'db')
  const deep = `${'['.repeat(100)}"a@b.co"${']'.repeat(100)}`
  assert.ok(maskValue(plan, 6, deep)!.includes('"****"'))
})

test('rules match a column by its origins too: an alias, or what a computed value may carry', () => {
  const set = rules([
    { id: 'codes', style: 'redact', columns: ['billing.customers.code'] },
    { id: 'notes-cards', style: 'redact', columns: ['notes'], detectors: ['card'] },
  ])
  const plan = planMasking(
    [
      {
        name: 'x',
        table: 'billing.customers',
        typeHint: 'text',
        origins: [{ name: 'code', table: 'billing.customers' }],
      },
      { name: 'code', table: 'billing.other', typeHint: 'text', origins: [] },
      { name: 'upper', typeHint: 'text', origins: [{ name: 'notes', table: 'billing.invoices' }] },
    ],
    set,
    [],
    'db',
  )
  assert.equal(maskValue(plan, 0, 'IC-1'), '****')
  assert.equal(needsMasking(plan, 1), false, 'the same name in another table is not the column')
  assert.equal(
    maskValue(plan, 2, 'card 4111111111111111'),
    'card ****',
    "a computed value gets its origin's detectors",
  )
  assert.deepEqual(takeMaskCounts(plan), { 'x/rule:codes': 1, 'upper/card': 1 })
})

test('a column whose origin could not be learnt gets every rule naming columns (fail closed)', () => {
  const set = rules([{ id: 'codes', style: 'redact', columns: ['billing.customers.code'] }])
  const plan = planMasking([{ name: 'x', typeHint: 'text', originUnknown: true }], set, [], 'db')
  assert.equal(maskValue(plan, 0, 'IC-1'), '****')
})

test('a JSON column masked whole stays a JSON document', () => {
  const set = rules([{ id: 'docs', style: 'redact', columns: ['payload'] }])
  const plan = planMasking(columns, set, [], 'db')
  assert.equal(maskValue(plan, 6, '{"a": 1}'), '"****"')
  assert.equal(plan.byteMasks[6], undefined)
})

test('a detector column on bytes: the same output as on text, counted once, text path where it cannot', () => {
  const set = rules([
    { id: 'pii', style: 'partial', columns: ['notes'], detectors: ['email', 'card', 'ssn'] },
    { id: 'gone', style: 'null', columns: ['email'], detectors: ['email'] },
  ])
  const plan = planMasking(columns, set, ['agents'], 'billing-db')
  const viaBytes = (i: number, value: string): string | -1 => {
    const src = Buffer.from(`xx${value}yy`)
    const dst = Buffer.alloc(src.length + 64, 0x21)
    const length = maskValueBytes(plan, i, src, 2, src.length - 2, dst, 3)
    return length === -1 ? -1 : dst.toString('latin1', 3, 3 + length)
  }
  for (const text of [
    'paid with 4111 1111 1111 1111 by jane@example.com',
    'no pii here, order 12345',
    'ssn 123-45-6789 and jane@example.com, bob@example.org',
    // A whole value one of several detectors finds: that detector's mask, as bytes.
    '4111 1111 1111 1111',
    'jane@example.com',
    '123-45-6789',
    ' 123-45-6789',
  ]) {
    const bytes = viaBytes(5, text)
    assert.notEqual(bytes, -1)
    const counts = takeMaskCounts(plan)
    assert.equal(bytes, maskValue(plan, 5, text), text)
    assert.deepEqual(counts, takeMaskCounts(plan), text)
  }
  // Not ASCII, a NULL mask, a mask longer than the room the caller guarantees: -1 and nothing counted,
  // so the text path masks and counts the value once.
  assert.equal(viaBytes(5, 'café jane@example.com'), -1)
  assert.equal(viaBytes(4, 'jane@example.com'), -1)
  assert.equal(viaBytes(5, Array.from({ length: 8 }, (_, i) => `${i}@x.io`).join(' ')), -1)
  assert.deepEqual(takeMaskCounts(plan), {})
})

test('one detector finding the whole value writes its mask as bytes, as the text path would', () => {
  const cols: ResultColumn[] = [
    { name: 'email', typeHint: 'text' },
    { name: 'card', typeHint: 'text' },
    { name: 'ssn', typeHint: 'text' },
    { name: 'contact', typeHint: 'text' },
  ]
  const set = rules([
    { id: 'e', style: 'partial', columns: ['email'], detectors: ['email'] },
    { id: 'c', style: 'partial', columns: ['card'], detectors: ['card'] },
    { id: 's', style: 'partial', columns: ['ssn'], detectors: ['ssn'] },
    { id: 'r', style: 'redact', columns: ['contact'], detectors: ['email'] },
  ])
  const plan = planMasking(cols, set, ['agents'], 'billing-db')
  const cases: Array<[number, string]> = [
    [0, 'jane.doe@mail.example.com'],
    [0, 'a@b.co'],
    [0, ' jane@example.com'],
    [0, 'write to jane@example.com'],
    [1, '4111 1111 1111 1111'],
    [1, '378282246310005'],
    [1, '3782-822463-10005'],
    [1, '4111 1111 1111 1112'],
    [2, '123-45-6789'],
    [2, '123456789'],
    [3, 'jane@example.com'],
  ]
  for (const [i, value] of cases) {
    const src = Buffer.from(value)
    const dst = Buffer.alloc(src.length + 64)
    const length = maskValueBytes(plan, i, src, 0, src.length, dst, 0)
    const viaBytes = dst.toString('latin1', 0, length)
    const counts = takeMaskCounts(plan)
    assert.equal(viaBytes, maskValue(plan, i, value), value)
    assert.deepEqual(counts, takeMaskCounts(plan), value)
  }
})

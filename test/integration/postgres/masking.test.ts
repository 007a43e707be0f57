// Masking in the PostgreSQL data path, end to end: a seeded table of realistic sensitive values (generated
// here) read through psql (text), node-postgres with binary results, postgres.js (prepared: described once,
// then only bound and executed), JSON, and COPY TO STDOUT in text, CSV and binary. Every sensitive value is
// masked, near-misses are left alone, an exempt group sees clear values, recordings hold masked values only,
// and a unique violation's DETAIL does not echo the e-mail.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import postgres from 'postgres'
import type { IssuedCredential, Principal } from '../../../src/core/index.ts'
import {
  cardNumber,
  emailAddress,
  formatCard,
  ibanNumber,
  phoneNumber,
  printIban,
  ssnNumber,
} from '../../masking/corpus-positives.ts'
import { seededRandom } from '../../masking/corpus-random.ts'
import { psql } from '../../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

interface Customer {
  email: string
  phone: string
  card: string
  iban: string
  ssn: string
  orderId: string
  orderRef: string
  build: string
  nearMiss: string
  internalCode: string
}

const r = seededRandom(20_251_122)
const customers: Customer[] = Array.from({ length: 25 }, (_, i) => {
  const pan = cardNumber(r)
  const last = (Number(pan.at(-1)) + 1 + (i % 9)) % 10
  return {
    email: emailAddress(r),
    phone: phoneNumber(r, true),
    card: formatCard(r, pan),
    iban: printIban(r, ibanNumber(r)),
    ssn: ssnNumber(r),
    orderId: `4${r.digits(15)}`,
    orderRef: `ORD-2025-${r.digits(6)}`,
    build: `BUILD-${r.digits(3)}-${r.digits(4)}`,
    // A 16-digit run that fails Luhn: not a card.
    nearMiss: pan.slice(0, -1) + String(last),
    internalCode: `IC-${r.digits(8)}`,
  }
})
const sensitive = (c: Customer) => [c.email, c.phone, c.card, c.iban, c.ssn, c.card.replace(/\D/g, '')]
const nearMisses = (c: Customer) => [c.orderId, c.orderRef, c.build, c.nearMiss]

const sqlText = (s: string) => `'${s.replaceAll("'", "''")}'`
const seed = `CREATE TABLE customers (
    id serial PRIMARY KEY, email text UNIQUE, phone text, card_number text, iban text, ssn text,
    order_id bigint, order_ref text, build text, created date, profile jsonb, notes text,
    near_miss text, internal_code text);
  INSERT INTO customers (email, phone, card_number, iban, ssn, order_id, order_ref, build, created, profile,
    notes, near_miss, internal_code) VALUES ${customers
      .map(
        (c, i) => `(${sqlText(c.email)}, ${sqlText(c.phone)}, ${sqlText(c.card)}, ${sqlText(c.iban)},
      ${sqlText(c.ssn)}, ${c.orderId}, ${sqlText(c.orderRef)}, ${sqlText(c.build)}, '2025-01-${String((i % 28) + 1).padStart(2, '0')}',
      ${sqlText(JSON.stringify({ contact: { email: c.email, phones: [c.phone] }, payment: { card: c.card, iban: c.iban }, order_id: Number(c.orderId.slice(0, 9)), build: c.build }))},
      ${sqlText(`Customer ${c.email} called from ${c.phone} about card ${c.card}; ssn ${c.ssn}; refund to ${c.iban}. Ref ${c.nearMiss}, ${c.orderRef}, ${c.build}.`)},
      ${sqlText(c.nearMiss)}, ${sqlText(c.internalCode)})`,
      )
      .join(',\n')};`

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    setupSql: seed,
    extraConfig: `masking:
  rules:
    - id: pii
      style: partial
      detectors: [card, email, phone, iban, ssn]
      exemptGroups: [dba]
    - id: internal-codes
      style: redact
      groups: [contractors]
      columns: [public.customers.internal_code]
      # These tests are about what masking does to values computed from the column, which a statement may
      # only compute once the rule allows it (test/regressions/10-masked-column-inference.test.ts).
      allowPredicates: true
`,
  })
})
after(() => gw[Symbol.asyncDispose]())

const SCOPE = 'select:public.customers,insert:public.customers'

async function grantFor(groups: string[]): Promise<IssuedCredential> {
  const principal: Principal = { ...gw.agent, id: `${gw.agent.id}-${groups.join('-')}`, groups }
  const result = await gw.core.requestGrant(principal, {
    resourceId: gw.resource.id,
    scope: SCOPE,
    task: 'masking test',
    ttl: '10m',
  })
  assert.ok(result.credential, `grant for ${groups} was not issued`)
  return result.credential
}

function assertMasked(output: string, what: string): void {
  for (const c of customers) {
    for (const value of sensitive(c)) assert.ok(!output.includes(value), `${what}: ${value} leaked`)
  }
}

function assertNearMissesKept(output: string, what: string): void {
  for (const c of customers)
    for (const value of nearMisses(c)) assert.ok(output.includes(value), `${what}: ${value} was masked`)
}

test('psql (text results): every sensitive value masked, near-misses left alone', async () => {
  const { credential } = await gw.grant(SCOPE)
  const out = await psql(gw.env(credential), 'SELECT * FROM customers ORDER BY id')
  assert.equal(out.code, 0, out.stderr)
  assertMasked(out.stdout, 'psql')
  assertNearMissesKept(out.stdout, 'psql')
  const first = customers[0]!
  assert.ok(out.stdout.includes(`**** **** **** ${first.card.replace(/\D/g, '').slice(-4)}`), out.stdout)
  assert.ok(out.stdout.includes(`${first.email[0]}****@*****`), 'partial e-mail keeps its shape')
  assert.ok(out.stdout.includes(first.internalCode), 'the internal-codes rule is for contractors only')
})

test('node-postgres with binary results: text, varchar and jsonb masked in binary, numbers kept', async () => {
  const { credential } = await gw.grant(SCOPE)
  const client = new pg.Client({ connectionString: gw.url(credential), ssl: false })
  await client.connect()
  try {
    const result = await client.query({
      text: 'SELECT id, email::varchar AS email, card_number, profile, notes, order_id, near_miss FROM customers WHERE id > $1 ORDER BY id',
      values: [0],
      binary: true,
    } as pg.QueryConfig)
    assert.equal(result.rows.length, customers.length)
    assert.equal(result.fields[0]!.format, 'binary')
    const text = result.rows
      .map((row) => Object.values(row).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v))))
      .join('\n')
    assertMasked(text, 'pg binary')
    for (const c of customers) assert.ok(text.includes(c.nearMiss), `near-miss ${c.nearMiss} masked`)
    // Unmasked binary values arrive byte for byte (pg's own int8 binary parser is lossy: compare to direct).
    const direct = new pg.Client({ connectionString: gw.db.url })
    await direct.connect()
    const expected = await direct.query({
      text: 'SELECT id, order_id, near_miss FROM customers WHERE id > $1 ORDER BY id',
      values: [0],
      binary: true,
    } as pg.QueryConfig)
    await direct.end()
    assert.deepEqual(
      result.rows.map((row) => [row.id, row.order_id, row.near_miss]),
      expected.rows.map((row) => [row.id, row.order_id, row.near_miss]),
    )
  } finally {
    await client.end()
  }
})

test('postgres.js: a prepared statement described once, then only bound and executed, stays masked', async () => {
  const { credential } = await gw.grant(SCOPE)
  const sql = postgres(gw.url(credential), { ssl: false, max: 1, prepare: true })
  try {
    for (let round = 0; round < 3; round++) {
      const rows =
        await sql`SELECT email, phone, iban, ssn, profile, notes FROM customers WHERE id > ${round}`
      assert.equal(rows.length, customers.length - round)
      assertMasked(JSON.stringify(rows), `postgres.js round ${round}`)
    }
  } finally {
    await sql.end()
  }
})

test('JSON built by the query is masked inside the document', async () => {
  const { credential } = await gw.grant(SCOPE)
  const out = await psql(gw.env(credential), 'SELECT json_agg(c ORDER BY id) FROM customers c')
  assert.equal(out.code, 0, out.stderr)
  const doc = JSON.parse(out.stdout) as Array<{ email: string; order_id: number; profile: unknown }>
  assert.equal(doc.length, customers.length)
  assertMasked(out.stdout, 'json_agg')
  assert.equal(String(doc[0]!.order_id), customers[0]!.orderId, 'a number under order_id is kept')
})

test('COPY TO STDOUT: text and CSV rows masked; binary COPY refused when a rule matches', async () => {
  const { credential } = await gw.grant(SCOPE)
  const env = gw.env(credential)
  const text = await psql(env, '\\copy customers TO STDOUT')
  assert.equal(text.code, 0, text.stderr)
  assert.equal(text.stdout.trim().split('\n').length, customers.length)
  assertMasked(text.stdout, 'copy text')
  assertNearMissesKept(text.stdout, 'copy text')

  const csv = await psql(
    env,
    '\\copy (SELECT email, notes, near_miss FROM customers ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)',
  )
  assert.equal(csv.code, 0, csv.stderr)
  const lines = csv.stdout.trim().split('\n')
  assert.equal(lines[0], 'email,notes,near_miss', 'the header line is kept')
  assert.equal(lines.length, customers.length + 1)
  assertMasked(csv.stdout, 'copy csv')

  const binary = await psql(env, '\\copy customers TO STDOUT WITH (FORMAT binary)')
  assert.notEqual(binary.code, 0)
  assert.match(binary.stderr, /taskgate cannot mask this result: masking rules match column .*email/)
  const after = await psql(env, 'SELECT count(*) FROM customers')
  assert.equal(after.stdout.trim(), String(customers.length), 'the session is usable after a refusal')
})

test('a group rule naming schema.table.column masks that column, through SELECT and COPY', async () => {
  const credential = await grantFor(['agents', 'contractors'])
  const env = gw.env(credential)
  const out = await psql(env, 'SELECT internal_code, near_miss FROM customers ORDER BY id')
  assert.equal(out.code, 0, out.stderr)
  for (const c of customers) assert.ok(!out.stdout.includes(c.internalCode), `${c.internalCode} leaked`)
  assert.match(out.stdout, /^\*\*\*\*\|/m)
  const copy = await psql(env, '\\copy (SELECT internal_code FROM customers) TO STDOUT')
  assert.equal(copy.code, 0, copy.stderr)
  assert.deepEqual([...new Set(copy.stdout.trim().split('\n'))], ['****'])
})

test('an exempt group sees clear values', async () => {
  const credential = await grantFor(['agents', 'dba'])
  const out = await psql(gw.env(credential), 'SELECT email, card_number, notes FROM customers ORDER BY id')
  assert.equal(out.code, 0, out.stderr)
  for (const c of customers) assert.ok(out.stdout.includes(c.email) && out.stdout.includes(c.card))
})

test('a unique violation echoing an e-mail in DETAIL is masked', async () => {
  const { credential } = await gw.grant(SCOPE)
  const email = customers[3]!.email
  const out = await psql(gw.env(credential), `INSERT INTO customers (email) VALUES (${sqlText(email)})`)
  assert.notEqual(out.code, 0)
  assert.match(out.stderr, /duplicate key value violates unique constraint/)
  assert.match(out.stderr, /DETAIL: {2}Key \(email\)=\(.\*\*\*\*@\*\*\*\*\*\.[a-z]+\) already exists/)
  assert.ok(!out.stderr.includes(email))
})

test('the recording holds masked values only: a sample of rows and per-column counts', async () => {
  const { grant, credential } = await gw.grant(SCOPE)
  const out = await psql(
    gw.env(credential),
    'SELECT email, card_number, order_ref FROM customers ORDER BY id',
  )
  assert.equal(out.code, 0, out.stderr)
  const session = (await gw.core.listSessions(gw.agent, { grantId: grant.id }))[0]!
  const deadline = Date.now() + 5_000
  let actions = (await gw.core.getSession(gw.agent, session.id)).actions
  while (!actions.some((a) => a.result) && Date.now() < deadline) {
    await new Promise((ok) => setTimeout(ok, 50))
    actions = (await gw.core.getSession(gw.agent, session.id)).actions
  }
  const select = actions.find((a) => a.text.startsWith('SELECT email'))
  assert.ok(select?.result, JSON.stringify(actions))
  assert.deepEqual(select.result.columns, ['email', 'card_number', 'order_ref'])
  assert.equal(select.result.rows.length, 20)
  assert.equal(select.result.truncated, true)
  assert.deepEqual(select.masked, { 'email/email': customers.length, 'card_number/card': customers.length })
  assertMasked(JSON.stringify(actions), 'recording')
  assert.equal(select.result.rows[0]![2], customers[0]!.orderRef)
})

test('a column rule follows the column through an alias, a subquery and a CTE', async () => {
  const credential = await grantFor(['agents', 'contractors'])
  const env = gw.env(credential)
  for (const sql of [
    'SELECT internal_code AS x, near_miss FROM customers ORDER BY id',
    'SELECT y, near_miss FROM (SELECT internal_code AS y, near_miss, id FROM customers) s ORDER BY id',
    'WITH c AS (SELECT internal_code AS "IC", near_miss, id FROM customers) SELECT "IC", near_miss FROM c ORDER BY id',
  ]) {
    const out = await psql(env, sql)
    assert.equal(out.code, 0, out.stderr)
    for (const c of customers) {
      assert.ok(!out.stdout.includes(c.internalCode), `${sql}: ${c.internalCode} leaked`)
      assert.ok(out.stdout.includes(c.nearMiss), `${sql}: ${c.nearMiss} was masked`)
    }
    assert.match(out.stdout, /^\*\*\*\*\|/m, sql)
  }
})

test('computed values in a statement reading a masked column are masked; numbers of other types kept', async () => {
  const credential = await grantFor(['agents', 'contractors'])
  const env = gw.env(credential)
  for (const sql of [
    'SELECT upper(internal_code) FROM customers',
    'SELECT internal_code::varchar(20) FROM customers',
    'SELECT c::text FROM customers c',
    'SELECT json_agg(c) FROM customers c',
    "SELECT 'code ' || internal_code FROM customers UNION ALL SELECT 'x'",
    'SELECT (SELECT internal_code FROM customers ORDER BY id LIMIT 1)',
  ]) {
    const out = await psql(env, sql)
    assert.equal(out.code, 0, out.stderr)
    assert.ok(!/IC-\d{8}/.test(out.stdout), `${sql}: ${out.stdout.slice(0, 200)}`)
    assert.match(out.stdout, /\*\*\*\*/, sql)
  }
  const count = await psql(env, 'SELECT count(*), max(id) FROM customers')
  assert.equal(count.stdout.trim(), `${customers.length}|${customers.length}`)

  // The extended protocol (node-postgres: Parse, Describe, Bind, Execute) and COPY (query) alike.
  const client = new pg.Client({ connectionString: gw.url(credential), ssl: false })
  await client.connect()
  try {
    const result = await client.query(
      'SELECT id, lower(internal_code) AS l, internal_code AS x, to_jsonb(c) AS j FROM customers c WHERE id > $1 ORDER BY id',
      [0],
    )
    assert.deepEqual(
      result.rows.map((row) => [row.id, row.l, row.x, row.j]),
      customers.map((_, i) => [i + 1, '****', '****', '****']),
      'a JSON value masked whole is still JSON (node-postgres parses it)',
    )
  } finally {
    await client.end()
  }
  const copy = await psql(
    env,
    '\\copy (SELECT internal_code AS x, upper(internal_code) FROM customers) TO STDOUT',
  )
  assert.equal(copy.code, 0, copy.stderr)
  assert.deepEqual([...new Set(copy.stdout.trim().split('\n'))], ['****\t****'])
})

test('a cast error echoing a masked value keeps its SQLSTATE; the value is masked', async () => {
  const credential = await grantFor(['agents', 'contractors'])
  const out = await psql(gw.env(credential), 'SELECT internal_code::int FROM customers')
  assert.notEqual(out.code, 0)
  assert.match(out.stderr, /invalid input syntax for type integer: "\*\*\*\*"/)
  assert.ok(!/IC-\d{8}/.test(out.stderr), out.stderr)
  const client = new pg.Client({ connectionString: gw.url(credential), ssl: false })
  await client.connect()
  try {
    const error = await client.query('SELECT internal_code::int FROM customers').then(
      () => undefined,
      (e: pg.DatabaseError) => e,
    )
    assert.equal(error?.code, '22P02')
    assert.equal(error?.message, 'invalid input syntax for type integer: "****"')
    const json = await client
      .query(`SELECT ('{"code": "' || internal_code || '"')::jsonb FROM customers`)
      .then(
        () => undefined,
        (e: pg.DatabaseError) => e,
      )
    assert.equal(json?.code, '22P02')
    assert.ok(!/IC-\d{8}/.test(JSON.stringify(json)), JSON.stringify(json))
    assert.equal((await client.query('SELECT 1 AS ok')).rows[0].ok, 1, 'the session goes on')
  } finally {
    await client.end()
  }
})

test('a computed value of any type carries a masked column it references; count(*) stays readable', async () => {
  const credential = await grantFor(['agents', 'contractors'])
  const env = gw.env(credential)
  // Numbers can spell a masked text out: its characters' codes, its digits as a number.
  for (const sql of [
    'SELECT ascii(substr(internal_code, 4, 1)) AS c FROM customers ORDER BY id',
    'SELECT substr(internal_code, 4)::numeric AS n FROM customers ORDER BY id',
    'SELECT substr(c.internal_code, 4)::int8 AS n FROM customers c ORDER BY id',
    'SELECT length(internal_code) + 0 AS n FROM customers ORDER BY id',
    'SELECT sum(ascii(substr(s.x, 5, 1))) FROM (SELECT internal_code AS x FROM customers) s',
  ]) {
    const out = await psql(env, sql)
    assert.equal(out.code, 0, out.stderr)
    for (const c of customers) {
      assert.ok(!out.stdout.includes(c.internalCode.slice(3)), `${sql}: ${c.internalCode} leaked`)
    }
    assert.match(out.stdout, /^\*\*\*\*$/m, sql)
    assert.doesNotMatch(out.stdout, /\d/, `${sql}: ${out.stdout.slice(0, 200)}`)
  }
  // A statement referencing no masked column keeps its numbers.
  for (const [sql, expected] of [
    ['SELECT count(*) FROM customers', String(customers.length)],
    ['SELECT count(*), max(id) FROM customers WHERE id > 0', `${customers.length}|${customers.length}`],
    ["SELECT count(*) FROM customers WHERE near_miss <> ''", String(customers.length)],
  ] as const) {
    const out = await psql(env, sql)
    assert.equal(out.code, 0, out.stderr)
    assert.equal(out.stdout.trim(), expected, sql)
  }
})

test('origins are read from the statement as sent, not as recorded: a masked literal cannot comment code out', async () => {
  const credential = await grantFor(['agents', 'contractors'])
  const env = gw.env(credential)
  // Recorded, the card literal is masked to `**** ...`: `2/****` opens a comment that `*/` closes, and the
  // recorded text reads no table at all.
  for (const sql of [
    "SELECT internal_code||'' AS s, 2/4111111111111111 AS d FROM customers -- */",
    "SELECT internal_code||'' AS s, 2/4111111111111111 FROM customers WHERE 4111111111111111/+1 > 0",
  ]) {
    const out = await psql(env, sql)
    assert.equal(out.code, 0, out.stderr)
    assert.ok(!/IC-\d{8}/.test(out.stdout), `${sql}: ${out.stdout.slice(0, 200)}`)
    assert.match(out.stdout, /^\*\*\*\*\|/m, sql)
  }
})

test('an error of any class quoting a value of a masked column it references is masked; other errors read as sent', async () => {
  const credential = await grantFor(['agents', 'contractors'])
  const env = gw.env(credential)
  for (const [sql, message] of [
    [
      'SELECT quote_ident(internal_code)::regclass FROM customers ORDER BY id',
      /relation "\*\*\*\*" does not exist/,
    ],
    ['SELECT internal_code::regrole FROM customers ORDER BY id', /role "\*\*\*\*" does not exist/],
    [
      'SELECT quote_ident(c::text)::regclass FROM customers c ORDER BY id',
      /relation "\*\*\*\*" does not exist/,
    ],
  ] as const) {
    const out = await psql(env, sql)
    assert.notEqual(out.code, 0, sql)
    assert.match(out.stderr, message, sql)
    assert.ok(!/IC-\d{8}/.test(out.stderr), out.stderr)
  }
  for (const [sql, message] of [
    ['SELECT no_such_column FROM customers', 'column "no_such_column" does not exist'],
    ["SELECT 'nobody'::regrole FROM customers", 'role "nobody" does not exist'],
    [
      'SELECT quote_ident(order_ref)::regrole FROM customers ORDER BY id',
      `role "${customers[0]!.orderRef}" does not exist`,
    ],
  ] as const) {
    const out = await psql(env, sql)
    assert.notEqual(out.code, 0, sql)
    assert.ok(out.stderr.includes(message), `${sql}: ${out.stderr}`)
  }
})

test('a JSON value with one masked string keeps every other byte: numbers as written', async () => {
  const { credential } = await gw.grant(SCOPE)
  const out = await psql(
    gw.env(credential),
    `SELECT '{"n": 12345678901234567890, "p": 1.50, "e": 1e2, "to": "jane@example.com"}'::json`,
  )
  assert.equal(out.code, 0, out.stderr)
  assert.equal(out.stdout.trim(), '{"n": 12345678901234567890, "p": 1.50, "e": 1e2, "to": "j****@*****.com"}')
})

/** The actions recorded in the one session of `grantId`, once `done` says the wanted ones are in. */
async function recordedActions(
  core: PostgresGateway['core'],
  agent: Principal,
  grantId: string,
  done: (actions: Array<{ text: string; outcome: string }>) => boolean,
) {
  const deadline = Date.now() + 5_000
  for (;;) {
    const session = (await core.listSessions(agent, { grantId }))[0]
    const actions = session ? (await core.getSession(agent, session.id)).actions : []
    if (done(actions) || Date.now() > deadline) return actions
    await new Promise((ok) => setTimeout(ok, 50))
  }
}

test('a statement is recorded with what the detectors find in its literals masked; upstream gets it as sent', async () => {
  const { grant, credential } = await gw.grant(SCOPE)
  const email = 'inline.masking@example.net'
  const out = await psql(
    gw.env(credential),
    `INSERT INTO customers (email, notes) VALUES (${sqlText(email)}, 'call about card 4111 1111 1111 1111') RETURNING id`,
  )
  assert.equal(out.code, 0, out.stderr)
  const stored = await gw.db.query('SELECT email, notes FROM customers WHERE email = $1', [email])
  assert.deepEqual(stored.rows, [{ email, notes: 'call about card 4111 1111 1111 1111' }])
  const actions = await recordedActions(gw.core, gw.agent, grant.id, (a) =>
    a.some((x) => x.text.startsWith('INSERT')),
  )
  const insert = actions.find((a) => a.text.startsWith('INSERT'))
  assert.equal(
    insert?.text,
    "INSERT INTO customers (email, notes) VALUES ('i****@*****.net', 'call about card **** **** **** 1111') RETURNING id",
    JSON.stringify(actions),
  )
  assert.ok(!JSON.stringify(actions).includes(email))
})

test('held and denied statements: approvers and the audit see masked values; policy decides on the real text', async () => {
  await using held = await startPostgresGateway({
    setupSql: 'CREATE TABLE payments (id serial PRIMARY KEY, card text, email text)',
    extraConfig: `guardrails:
  - id: hold-payments
    action: approve
    description: a payment needs a second pair of eyes
    approvers: [payments-approvers]
    match: { needs: ["insert:public.payments"] }
  - id: no-blocked-customer
    action: deny
    description: this customer is blocked
    match: { pattern: "blocked\\\\.customer@example\\\\.com" }
masking:
  rules:
    - id: pii
      style: partial
      detectors: [card, email]
`,
  })
  const { grant, credential } = await held.grant('select:public.payments,insert:public.payments')
  const approver: Principal = {
    id: 'oidc:payments-approver',
    kind: 'person',
    name: 'payments-approver',
    groups: ['payments-approvers', 'taskgate-admins'],
    via: 'oidc',
  }
  const card = '4111111111111111'
  const client = new pg.Client({ connectionString: held.url(credential) })
  const notices: string[] = []
  client.on('notice', (n) => notices.push(n.message ?? ''))
  await client.connect()
  try {
    const pending = client.query('INSERT INTO payments (card) VALUES ($1) RETURNING id', [card])
    for (let i = 0; i < 250 && notices.length === 0; i++) await new Promise((ok) => setTimeout(ok, 20))
    const approvalId = /waiting for approval (\S+)/.exec(notices[0] ?? '')?.[1]
    assert.ok(approvalId, `no waiting notice: ${notices.join(' | ')}`)
    const approval = await held.core.getApproval(approver, approvalId)
    assert.equal(
      approval.summary,
      "INSERT INTO payments (card) VALUES ($1) RETURNING id\n-- parameters: $1 = '**** **** **** 1111'",
    )
    await held.core.decideApproval(approver, approvalId, 'approve', 'checked')
    assert.equal((await pending).rowCount, 1)
    const stored = await held.db.query('SELECT card FROM payments ORDER BY id LIMIT 1')
    assert.deepEqual(stored.rows, [{ card }], 'the statement ran with the real value')

    // node-postgres sends a Buffer in binary format: text is UTF-8 there too, so it is masked, not hex.
    notices.length = 0
    const binary = client.query('INSERT INTO payments (card) VALUES ($1) RETURNING id', [Buffer.from(card)])
    for (let i = 0; i < 250 && notices.length === 0; i++) await new Promise((ok) => setTimeout(ok, 20))
    const binaryId = /waiting for approval (\S+)/.exec(notices[0] ?? '')?.[1]
    assert.ok(binaryId, `no waiting notice: ${notices.join(' | ')}`)
    const shown = (await held.core.getApproval(approver, binaryId)).summary
    assert.match(shown, /\$1 = '\*\*\*\* \*\*\*\* \*\*\*\* 1111'/)
    assert.doesNotMatch(shown, new RegExp(Buffer.from(card).toString('hex')))
    await held.core.decideApproval(approver, binaryId, 'approve', 'checked')
    assert.equal((await binary).rowCount, 1)

    // A statement whose own text has a masked literal still shows its parameters to the approver.
    notices.length = 0
    const mixed = client.query(
      "INSERT INTO payments (card, email) VALUES ($1, 'ann@example.com') RETURNING id",
      [card],
    )
    for (let i = 0; i < 250 && notices.length === 0; i++) await new Promise((ok) => setTimeout(ok, 20))
    const mixedId = /waiting for approval (\S+)/.exec(notices[0] ?? '')?.[1]
    assert.ok(mixedId, `no waiting notice: ${notices.join(' | ')}`)
    const mixedShown = (await held.core.getApproval(approver, mixedId)).summary
    assert.match(mixedShown, /'a\*+@\*+\.com'/)
    assert.match(mixedShown, /-- parameters: \$1 = '\*\*\*\* \*\*\*\* \*\*\*\* 1111'/)
    await held.core.decideApproval(approver, mixedId, 'approve', 'checked')
    assert.equal((await mixed).rowCount, 1)

    // The guardrail's pattern matches the e-mail as sent; the denial is recorded and audited masked.
    await assert.rejects(
      client.query("SELECT id FROM payments WHERE email = 'blocked.customer@example.com'"),
      /rule guardrail:no-blocked-customer/,
    )
  } finally {
    await client.end()
  }
  const actions = await recordedActions(held.core, held.agent, grant.id, (a) =>
    a.some((x) => x.outcome === 'deny'),
  )
  const denied = actions.find((a) => a.outcome === 'deny')
  assert.equal(denied?.text, "SELECT id FROM payments WHERE email = 'b****@*****.com'")
  const audited = await held.core.listAudit(approver, { limit: 10_000 })
  const text = JSON.stringify(audited)
  assert.ok(text.includes("email = 'b****@*****.com'"), text)
  assert.ok(!text.includes('blocked.customer@example.com') && !text.includes(card), text)
})

// The MySQL engine end to end through the real gateway (startGateway with a mysql resource) in front of the
// machine's MariaDB, with the real mariadb command-line client and mysql2.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import net from 'node:net'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import type { IssuedCredential } from '../../../src/core/index.ts'
import { cachingSha2Scramble } from '../../../src/protocols/mysql/auth-scramble.ts'
import { CapabilityFlag, Command } from '../../../src/protocols/mysql/wire/constants.ts'
import { parseErrPacket } from '../../../src/protocols/mysql/wire/generic-responses.ts'
import { encodeHandshakeResponse41, parseHandshakeV10 } from '../../../src/protocols/mysql/wire/handshake.ts'
import { encodePacket, PacketReader } from '../../../src/protocols/mysql/wire/packet-reader.ts'
import { type MysqlGateway, startMysqlGateway } from '../../support/start-mysql-gateway.ts'

const run = promisify(execFile)

const cli = (g: MysqlGateway, credential: IssuedCredential, sql: string, tls = false) =>
  run(
    'mariadb',
    [
      '-h127.0.0.1',
      `-P${g.port}`,
      `-u${credential.connection.user}`,
      `-D${g.database}`,
      '--batch',
      '--skip-column-names',
      ...(tls ? ['--ssl', '--ssl-verify-server-cert=0'] : ['--skip-ssl']),
      '-e',
      sql,
    ],
    { timeout: 30_000, env: { PATH: process.env.PATH, MYSQL_PWD: credential.connection.password } },
  )

const HELD = `
guardrails:
  - id: hold-email-changes
    description: changing an e-mail address needs a second pair of eyes
    action: approve
    match: { needs: ["update:$DB.*"] }
    approvers: [$APPROVERS]
masking:
  rules:
    - id: hide-email
      columns: [email]
      style: redact
      exemptGroups: [$APPROVERS]
`

test('mysql: allowed select (mariadb CLI, plain and TLS), denied delete as 1142 with the scope and the request command', async () => {
  await using g = await startMysqlGateway()
  const { credential } = await g.grant('select:$DB.*')
  assert.equal(credential.connection.kind, 'mysql')
  const plain = await cli(g, credential, 'SELECT id, name FROM customers ORDER BY id')
  assert.equal(plain.stdout, '1\tAda\n2\tGrace\n')
  const secured = await cli(g, credential, 'status', true)
  assert.match(secured.stdout, /SSL:\s+Cipher in use is \S+/)
  await assert.rejects(cli(g, credential, 'DELETE FROM customers WHERE id = 1'), (error: Error) => {
    assert.match(error.message, /ERROR 1142 \(42000\)/)
    assert.match(error.message, /missing scope: delete:tg_seam_\w+\.customers/)
    assert.match(error.message, /taskgate grant request/)
    return true
  })
  const root = await g.root()
  const [rows] = await root.query(`SELECT count(*) AS n FROM ${g.database}.customers`)
  await root.end()
  assert.equal((rows as { n: number }[])[0]!.n, 2, 'the denied DELETE never reached the server')
})

test('mysql: mysql2 prepared statements are decided at prepare and run; an unclassified text is denied', async () => {
  await using g = await startMysqlGateway()
  const { credential } = await g.grant('select:$DB.*')
  const c = await g.connect(credential)
  try {
    const [rows] = await c.execute('SELECT name FROM customers WHERE id = ?', [2])
    assert.deepEqual(rows, [{ name: 'Grace' }])
    await assert.rejects(c.execute('DELETE FROM customers WHERE id = ?', [1]), { errno: 1142 })
    await assert.rejects(c.query('SELEC nonsense FROM'), { errno: 1142, message: /rule unclassified/ })
  } finally {
    await c.end()
  }
})

test('mysql: a held statement runs once after approval; masking hides a column; recording lists the statements', async () => {
  await using g = await startMysqlGateway({ extraConfig: HELD })
  const { grant, credential } = await g.grant('select:$DB.*,update:$DB.*')
  const c = await g.connect(credential)
  try {
    const [masked] = await c.query('SELECT email FROM customers WHERE id = 1')
    assert.notEqual((masked as { email: string }[])[0]!.email, 'ada@example.com')
    // Asking about a masked value is refused: a filter on it would answer what the mask hides.
    await assert.rejects(c.query("SELECT id FROM customers WHERE email LIKE 'a%'"), {
      errno: 1142,
      message: /email/,
    })
    const update = c.query("UPDATE customers SET name = 'Ada L.' WHERE id = 1")
    let approvalId: string | undefined
    for (let i = 0; i < 200 && approvalId === undefined; i++) {
      const pending = await g.gateway.core.listApprovals(g.approver, {
        status: ['pending'],
        grantId: grant.id,
      })
      approvalId = pending.find((a) => a.subject === 'action')?.id
      if (approvalId === undefined) await sleep(50)
    }
    assert.ok(approvalId, 'the UPDATE waits for an approval')
    await g.gateway.core.decideApproval(g.approver, approvalId, 'approve', 'checked the ticket')
    const [result] = await update
    assert.equal((result as { affectedRows: number }).affectedRows, 1)
  } finally {
    await c.end()
  }
  const root = await g.root()
  const [rows] = await root.query(`SELECT name FROM ${g.database}.customers WHERE id = 1`)
  await root.end()
  assert.deepEqual(rows, [{ name: 'Ada L.' }])
  let texts: string[] = []
  for (let i = 0; i < 100; i++) {
    const [session] = await g.gateway.core.listSessions(g.admin, { grantId: grant.id })
    if (session) {
      const { actions } = await g.gateway.core.getSession(g.admin, session.id)
      texts = actions.map((a) => a.text)
      if (texts.some((t) => t.startsWith('UPDATE'))) break
    }
    await sleep(50)
  }
  assert.ok(texts.includes('SELECT email FROM customers WHERE id = 1'), texts.join(' | '))
  const [session] = await g.gateway.core.listSessions(g.admin, { grantId: grant.id })
  const { actions } = await g.gateway.core.getSession(g.admin, session!.id)
  // Its WHERE reads the table too.
  assert.deepEqual(actions.find((a) => a.text.startsWith('UPDATE'))?.needs, [
    { verb: 'select', object: `${g.database}.customers` },
    { verb: 'update', object: `${g.database}.customers` },
  ])
  assert.ok(
    texts.some((t) => t.startsWith('UPDATE customers')),
    texts.join(' | '),
  )
})

test('mysql: ending the grant closes a live session promptly', async () => {
  await using g = await startMysqlGateway()
  const { grant, credential } = await g.grant('select:$DB.*')
  const c = await g.connect(credential)
  await c.query('SELECT 1')
  const closed = new Promise<number>((resolve) => {
    const at = () => resolve(performance.now())
    c.on('end', at)
    c.on('error', at)
  })
  const endedAt = performance.now()
  await g.gateway.core.endGrant(g.agent, grant.id)
  const closedAt = await closed
  assert.ok(closedAt - endedAt < 5000, `closed after ${closedAt - endedAt} ms`)
  c.destroy()
  await assert.rejects(cli(g, credential, 'SELECT 1'), /ERROR/)
})

test('mysql: with admin, a grant runs as its own account with exactly its privileges, dropped at grant end', async () => {
  await using g = await startMysqlGateway({ admin: true })
  const { grant, credential } = await g.grant('select:$DB.*')
  const c = await g.connect(credential)
  let account: string
  try {
    const [rows] = await c.query('SELECT CURRENT_USER() AS account')
    account = (rows as { account: string }[])[0]!.account
    assert.match(account, /^tg_/)
    assert.notEqual(account, credential.connection.user, 'the client never learns the target account')
  } finally {
    await c.end()
  }
  const root = await g.root()
  try {
    const user = account.split('@')[0]!
    const [grants] = await root.query(`SHOW GRANTS FOR '${user}'@'127.0.0.1'`)
    const text = JSON.stringify(grants)
    assert.match(text, /GRANT SELECT ON `tg_seam_\w+`\.\* TO/)
    assert.doesNotMatch(text, /INSERT|UPDATE|DELETE/)
    await g.gateway.core.endGrant(g.agent, grant.id)
    let left = 1
    for (let i = 0; i < 100 && left > 0; i++) {
      const [found] = await root.query('SELECT count(*) AS n FROM mysql.user WHERE User = ?', [user])
      left = (found as { n: number }[])[0]!.n
      if (left > 0) await sleep(50)
    }
    assert.equal(left, 0, 'the account is dropped when the grant ends')
  } finally {
    await root.end()
  }
})

test('mysql: the masking test runs a query read-only on the target and shows what the rules mask', async () => {
  await using g = await startMysqlGateway({ extraConfig: HELD })
  const result = await g.gateway.core.testMasking(g.admin, {
    resourceId: g.resourceId,
    groups: g.agent.groups,
    sql: `SELECT id, email FROM ${g.database}.customers ORDER BY id`,
  })
  assert.equal(result.rowCount, 2)
  assert.deepEqual(
    result.columns.map((c) => [c.name, c.table]),
    [
      ['id', `${g.database}.customers`],
      ['email', `${g.database}.customers`],
    ],
  )
  assert.ok(!JSON.stringify(result.rows).includes('@example.com'), JSON.stringify(result.rows))
  assert.deepEqual(result.columns[1]!.masked, { 'rule:hide-email': 2 })
  await assert.rejects(
    g.gateway.core.testMasking(g.admin, {
      resourceId: g.resourceId,
      groups: [],
      sql: `DELETE FROM ${g.database}.customers`,
    }),
    /TG_QUERY_FAILED|read-only|READ ONLY/i,
  )
})

test('mysql: each execution of a prepared statement is recorded with its parameters, detector-masked', async () => {
  await using g = await startMysqlGateway({
    extraConfig: `
masking:
  rules:
    - { id: emails, detectors: [email] }
`,
  })
  const { grant, credential } = await g.grant('select:$DB.*')
  const c = await g.connect(credential)
  try {
    await c.execute('SELECT name FROM customers WHERE id = ?', [2])
    await c.execute('SELECT id FROM customers WHERE email = ?', ['ada@example.com'])
  } finally {
    await c.end()
  }
  let texts: string[] = []
  for (let i = 0; i < 100 && texts.length < 2; i++) {
    const [session] = await g.gateway.core.listSessions(g.admin, { grantId: grant.id })
    if (session)
      texts = (await g.gateway.core.getSession(g.admin, session.id)).actions
        .map((a) => a.text)
        .filter((t) => t.includes('-- parameters'))
    if (texts.length < 2) await sleep(50)
  }
  assert.ok(
    texts.includes("SELECT name FROM customers WHERE id = ?\n-- parameters: ?1 = '2'"),
    texts.join(' | '),
  )
  const byEmail = texts.find((t) => t.startsWith('SELECT id FROM customers WHERE email = ?'))
  assert.ok(byEmail, texts.join(' | '))
  assert.doesNotMatch(byEmail, /ada@example\.com/)
})

test('mysql: under masking rules a cursor fetch (COM_STMT_FETCH) is refused, never relayed unmasked', async () => {
  await using g = await startMysqlGateway({ extraConfig: HELD })
  const { credential } = await g.grant('select:$DB.*')
  const raw = net.connect({ host: '127.0.0.1', port: g.port })
  const reader = new PacketReader()
  const packets: Buffer[] = []
  raw.on('data', (c: Buffer) => packets.push(...reader.push(c).map((p) => p.payload)))
  const next = async () => {
    for (let i = 0; packets.length === 0 && i < 2000; i++) await sleep(5)
    return packets.shift()!
  }
  try {
    const handshake = parseHandshakeV10(await next())
    const response = {
      capabilities:
        CapabilityFlag.CLIENT_PROTOCOL_41 |
        CapabilityFlag.CLIENT_SECURE_CONNECTION |
        CapabilityFlag.CLIENT_PLUGIN_AUTH,
      maxPacketSize: 1 << 24,
      characterSet: 45,
      mariadbCapabilities: 0,
      username: credential.connection.user,
      authResponse: cachingSha2Scramble(credential.connection.password, handshake.authPluginData),
      database: undefined,
      authPluginName: 'caching_sha2_password',
      attributes: [],
    }
    raw.write(encodePacket(encodeHandshakeResponse41(response), 1).bytes)
    await next() // caching_sha2_password fast auth success
    assert.equal((await next())[0], 0x00, 'logged in (OK)')
    raw.write(encodePacket(Buffer.from([Command.COM_STMT_FETCH, 1, 0, 0, 0, 10, 0, 0, 0]), 0).bytes)
    const err = parseErrPacket(await next())
    assert.equal(err.errorCode, 1148)
    assert.match(err.message, /cursors/)
  } finally {
    raw.destroy()
  }
})

test('mysql: a target down at start does not stop the gateway; drivers get an ERR naming it, not a silent close', async () => {
  const closed = net.createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as net.AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  await using g = await startMysqlGateway({ targetPort: port })
  const { credential } = await g.grant('select:$DB.*')
  await assert.rejects(g.connect(credential), { errno: 2003, message: /TG_UPSTREAM_UNAVAILABLE/ })
  // The mariadb client reports the refusal too (as a malformed greeting: it reads no ERR in its place).
  await assert.rejects(cli(g, credential, 'SELECT 1'), /ERROR/)
})

test('mysql: a large unmasked result (rows cut at every chunk edge) arrives whole, text and binary, and its rows are counted', async () => {
  await using g = await startMysqlGateway()
  const { grant, credential } = await g.grant('select:$DB.*')
  const sql = "SELECT seq, CONCAT('row-', seq) FROM seq_1_to_60000"
  const { stdout } = await cli(g, credential, sql)
  const lines = stdout.trimEnd().split('\n')
  assert.equal(lines.length, 60_000)
  assert.equal(lines[0], '1\trow-1')
  assert.equal(lines[59_999], '60000\trow-60000')
  const c = await g.connect(credential)
  try {
    const [rows] = await c.execute(`${sql} WHERE seq > ?`, [10])
    const all = rows as [number, string][]
    assert.equal(all.length, 59_990)
    assert.deepEqual(Object.values(all[59_989]!), [60000, 'row-60000'])
  } finally {
    await c.end()
  }
  let counts: (number | undefined)[] = []
  for (let i = 0; i < 100 && counts.length < 2; i++) {
    counts = []
    for (const session of await g.gateway.core.listSessions(g.admin, { grantId: grant.id }))
      for (const a of (await g.gateway.core.getSession(g.admin, session.id)).actions)
        if (a.text.startsWith(sql) && a.rowCount !== undefined) counts.push(a.rowCount)
    if (counts.length < 2) await sleep(50)
  }
  assert.deepEqual(counts.sort(), [59_990, 60_000])
})

test("mysql: a large result to a client that reads slowly arrives whole (the gateway's writes to it queue while upstream reads go on)", async () => {
  await using g = await startMysqlGateway()
  const { credential } = await g.grant('select:$DB.*')
  // A hop between the client and the gateway that stops reading now and then, so the gateway's socket to
  // the client fills and its writes queue: what they point into must stay as it was read.
  const hop = net.createServer((client) => {
    const gateway = net.connect({ host: '127.0.0.1', port: g.port })
    client.pipe(gateway)
    let read = 0
    gateway.on('data', (chunk: Buffer) => {
      client.write(chunk)
      read += chunk.length
      if (read < 256 * 1024) return
      read = 0
      gateway.pause()
      setTimeout(() => gateway.resume(), 20)
    })
    gateway.on('end', () => client.end())
    for (const s of [client, gateway]) s.on('error', () => {})
  })
  await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', resolve))
  try {
    const port = (hop.address() as net.AddressInfo).port
    const rows = 60_000
    const { stdout } = await run(
      'mariadb',
      [
        '-h127.0.0.1',
        `-P${port}`,
        `-u${credential.connection.user}`,
        `-D${g.database}`,
        '--batch',
        '--quick',
        '--skip-column-names',
        '--skip-ssl',
        '-e',
        `SELECT seq, CONCAT('row-', seq, '-', REPEAT(CHAR(65 + seq % 26), seq % 400)) FROM seq_1_to_${rows}`,
      ],
      {
        timeout: 60_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { PATH: process.env.PATH, MYSQL_PWD: credential.connection.password },
      },
    )
    const lines = stdout.trimEnd().split('\n')
    assert.equal(lines.length, rows)
    for (let seq = 1; seq <= rows; seq++) {
      const expected = `${seq}\trow-${seq}-${String.fromCharCode(65 + (seq % 26)).repeat(seq % 400)}`
      if (lines[seq - 1] !== expected) assert.fail(`row ${seq}: ${lines[seq - 1]?.slice(0, 80)}`)
    }
  } finally {
    await new Promise((resolve) => hop.close(resolve))
  }
})

test('mysql: a held prepared execution runs only after its approval, with its own values; a denied one never runs', async () => {
  await using g = await startMysqlGateway({ extraConfig: HELD })
  const { grant, credential } = await g.grant('select:$DB.*,update:$DB.*')
  const c = await g.connect(credential)
  // Answers every approval the grant asks for until `pending` settles (the prepare and the execution).
  const answering = async <T>(pending: Promise<T>, verdict: 'approve' | 'deny'): Promise<T> => {
    let settled = false
    const done = pending.finally(() => {
      settled = true
    })
    const answered = new Set<string>()
    while (!settled) {
      const all = await g.gateway.core.listApprovals(g.approver, { status: ['pending'], grantId: grant.id })
      for (const a of all.filter((x) => x.subject === 'action' && !answered.has(x.id))) {
        answered.add(a.id)
        await g.gateway.core.decideApproval(g.approver, a.id, verdict, 'checked the ticket')
      }
      await Promise.race([done.catch(() => {}), sleep(50)])
    }
    return done
  }
  try {
    const sql = 'UPDATE customers SET name = ? WHERE id = ?'
    const [result] = await answering(c.execute(sql, ['Ada P.', 1]), 'approve')
    assert.equal((result as { affectedRows: number }).affectedRows, 1)
    await assert.rejects(answering(c.execute(sql, ['Mallory', 1]), 'deny'), { errno: 1142 })
  } finally {
    await c.end()
  }
  const root = await g.root()
  const [rows] = await root.query(`SELECT name FROM ${g.database}.customers WHERE id = 1`)
  await root.end()
  assert.deepEqual(rows, [{ name: 'Ada P.' }])
})

test('mysql: a prepared SHOW GRANTS has the target account’s stored password redacted at each execution, as the text query has', async () => {
  const password = `tg-target-${Math.random().toString(36).slice(2)}`
  await using g = await startMysqlGateway({ targetPassword: password })
  const { credential } = await g.grant('select:$DB.*')
  const c = await g.connect(credential)
  try {
    const sha1 = (b: Buffer) => createHash('sha1').update(b).digest()
    const stored = sha1(sha1(Buffer.from(password)))
      .toString('hex')
      .toUpperCase()
    for (let i = 0; i < 2; i++) {
      const [rows] = await c.execute('SHOW GRANTS')
      const text = JSON.stringify(rows)
      assert.match(text, /taskgate: redacted/)
      assert.ok(!text.toUpperCase().includes(stored), text)
    }
  } finally {
    await c.end()
  }
})

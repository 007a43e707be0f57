// Issue 11, item 10: the FunctionCall message (a function by OID, what libpq's large-object API uses) was
// denied outright. It is now decided like the `SELECT schema.fn(...)` it amounts to, the name resolved from
// the target's catalog: psql's \lo_import and \lo_export work under a grant with the large-object functions,
// and without it the call is denied with a native 42501, recorded as a FunctionCall.
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import type { Principal } from '../../src/core/index.ts'
import { run } from '../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

const admin: Principal = {
  id: 'sa:admin',
  kind: 'service',
  name: 'admin',
  groups: ['taskgate-admins'],
  via: 'service-account',
}
let gw: PostgresGateway
let dir: string

before(async () => {
  gw = await startPostgresGateway()
  dir = await mkdtemp(join(tmpdir(), 'tg-lo-'))
})
after(async () => {
  await gw[Symbol.asyncDispose]()
  await rm(dir, { recursive: true, force: true })
})

const LARGE_OBJECTS =
  'execute:pg_catalog.lo_creat,execute:pg_catalog.lo_create,execute:pg_catalog.lo_open,execute:pg_catalog.lo_close,' +
  'execute:pg_catalog.loread,execute:pg_catalog.lowrite,execute:pg_catalog.lo_lseek,execute:pg_catalog.lo_lseek64,' +
  'execute:pg_catalog.lo_tell,execute:pg_catalog.lo_tell64,execute:pg_catalog.lo_truncate,execute:pg_catalog.lo_truncate64,' +
  'execute:pg_catalog.lo_unlink'

test('psql \\lo_import and \\lo_export go through FunctionCall and work when granted', async () => {
  const { credential } = await gw.grant(`select:public.*,${LARGE_OBJECTS}`)
  const source = join(dir, 'in.txt')
  const copy = join(dir, 'out.txt')
  await writeFile(source, 'a large object, through the gateway\n'.repeat(200))
  const imported = await run(
    'psql',
    ['-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\lo_import ${source}`],
    gw.env(credential),
  )
  assert.equal(imported.code, 0, imported.stderr)
  const oid = /lo_import (\d+)/.exec(imported.stdout)?.[1]
  assert.ok(oid, imported.stdout)
  const exported = await run(
    'psql',
    ['-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\lo_export ${oid} ${copy}`],
    gw.env(credential),
  )
  assert.equal(exported.code, 0, exported.stderr)
  assert.equal(await readFile(copy, 'utf8'), await readFile(source, 'utf8'))
})

test('without the large-object functions in the grant, a FunctionCall is denied with 42501 and recorded', async () => {
  const { credential } = await gw.grant('select:public.*')
  const source = join(dir, 'denied.txt')
  await writeFile(source, 'never stored\n')
  const before = await gw.db.query('SELECT count(*)::int AS n FROM pg_largeobject_metadata')
  const imported = await run(
    'psql',
    ['-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\lo_import ${source}`],
    gw.env(credential),
  )
  assert.notEqual(imported.code, 0)
  assert.match(imported.stderr, /taskgate|permission|denied/i)
  const afterwards = await gw.db.query('SELECT count(*)::int AS n FROM pg_largeobject_metadata')
  assert.equal(afterwards.rows[0].n, before.rows[0].n, 'a large object was created')

  // Raw: a FunctionCall of lo_creat(-1) from node-postgres' socket gets a native 42501.
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  try {
    const connection = (
      client as unknown as { connection: NodeJS.EventEmitter & { stream: NodeJS.WritableStream } }
    ).connection
    const denied = new Promise<{ code?: string }>((resolve) => connection.once('errorMessage', resolve))
    client.on('error', () => {})
    const oid = (await gw.db.query("SELECT 'pg_catalog.lo_creat'::regproc::oid::int AS oid")).rows[0]
      .oid as number
    const arg = Buffer.alloc(4)
    arg.writeInt32BE(-1)
    const body = Buffer.alloc(4 + 2 + 2 + 2 + 4 + 4 + 2)
    let at = body.writeInt32BE(oid, 0)
    at = body.writeInt16BE(1, at) // one format code
    at = body.writeInt16BE(1, at) // binary
    at = body.writeInt16BE(1, at) // one argument
    at = body.writeInt32BE(4, at)
    at += arg.copy(body, at)
    body.writeInt16BE(1, at) // binary result
    const frame = Buffer.concat([Buffer.from('F'), Buffer.alloc(4), body])
    frame.writeInt32BE(frame.length - 1, 1)
    connection.stream.write(frame)
    assert.equal((await denied).code, '42501')
  } finally {
    await client.end().catch(() => {})
  }
  for (let i = 0; i < 100; i++) {
    const audit = await gw.core.listAudit(admin, { type: 'action.denied', limit: 1000 })
    // Audited as what it was decided as: the SELECT of the function.
    if (audit.some((e) => String(e.data?.text).includes('"lo_creat"'))) return
    await sleep(50)
  }
  assert.fail('the FunctionCall denial is not audited')
})

test('under masking rules a FunctionCall is refused: its result has no column to mask by', async () => {
  await using masked = await startPostgresGateway({
    extraConfig: `masking:
  rules:
    - id: pii
      style: partial
      detectors: [email]
`,
  })
  const { credential } = await masked.grant(`select:public.*,${LARGE_OBJECTS}`)
  const source = join(dir, 'masked.txt')
  await writeFile(source, 'someone@example.com\n')
  const imported = await run(
    'psql',
    ['-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\lo_import ${source}`],
    masked.env(credential),
  )
  assert.notEqual(imported.code, 0)
  assert.match(imported.stderr, /FunctionCall result cannot be masked/)
})

test('a FunctionCall a guardrail would hold is refused: an approver could not see its argument values', async () => {
  await using held = await startPostgresGateway({
    extraConfig: `guardrails:
  - id: hold-unlink
    description: unlinking a large object needs a second pair of eyes
    action: approve
    match: { needs: ["execute:pg_catalog.lo_unlink"] }
    approvers: [dbas]
`,
  })
  const { credential } = await held.grant(`select:public.*,${LARGE_OBJECTS}`)
  const oid = (await held.db.query("SELECT lo_from_bytea(0, 'x') AS oid")).rows[0].oid as number
  const unlinked = await run(
    'psql',
    ['-X', '-v', 'ON_ERROR_STOP=1', '-c', `\\lo_unlink ${oid}`],
    held.env(credential),
  )
  assert.notEqual(unlinked.code, 0)
  assert.match(unlinked.stderr, /cannot be held for approval/)
  const still = await held.db.query('SELECT count(*)::int AS n FROM pg_largeobject_metadata WHERE oid = $1', [
    oid,
  ])
  assert.equal(still.rows[0].n, 1)
  assert.deepEqual(await held.core.listApprovals(admin, { status: ['pending'] }), [])
})

// The `taskgate` CLI end to end: bin/taskgate in child processes against a gateway started in this
// process (embedded store in a temp dir, a postgres resource at the machine's PostgreSQL), as an agent,
// an approver and the admin would use it.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { COMMANDS } from '../../src/cli/commands/index.ts'
import { parseConfigText } from '../../src/config/load.ts'
import { type Gateway, startGateway } from '../../src/main.ts'
import { psql } from '../support/clients/psql.ts'
import { PsqlSession } from '../support/clients/psql-session.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres.ts'
import { runTaskgate, type TaskgateRun } from '../support/run-taskgate.ts'

const suffix = randomBytes(3).toString('hex')
const resourceId = `pg-${suffix}`
const agents = `agents-${suffix}`
const dbas = `dbas-${suffix}`

let dir: string
let db: ThrowawayDatabase
let gateway: Gateway
const keys = { admin: '', agent: '', approver: '' }

function configYaml(database: string, storeDir: string): string {
  return `
store: { dir: ${JSON.stringify(storeDir)} }
api: { listen: { host: 127.0.0.1, port: 0 } }
resources:
  - id: ${resourceId}
    kind: postgres
    listen: { host: 127.0.0.1, port: 0 }
    target: { host: 127.0.0.1, port: 5432, database: ${database}, user: postgres, tls: disable }
policies:
  - group: ${agents}
    resources: [${resourceId}]
    ceiling: ["select:*", "insert:public.*"]
    autoApprove: ["select:public.*"]
    approvers: [${dbas}]
  - group: ${dbas}
    resources: [${resourceId}]
    ceiling: ["*:*"]
    autoApprove: ["select:*"]
    approvers: [${dbas}]
`
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-cli-'))
  db = await createThrowawayDatabase('tg_cli')
  await db.query('CREATE TABLE public.items (id int primary key, name text)')
  await db.query("INSERT INTO public.items VALUES (1, 'one'), (2, 'two')")
  const config = parseConfigText(configYaml(db.name, join(dir, 'data')), 'cli-test.yaml')
  gateway = await startGateway({ config, logger: pino({ level: 'silent' }) })
  keys.admin = gateway.createdKeys.get('admin') ?? ''
  assert.ok(keys.admin, 'the first start creates the local admin key')
})

after(async () => {
  await gateway?.close()
  await db?.[Symbol.asyncDispose]()
  await rm(dir, { recursive: true, force: true })
})

/** bin/taskgate as one principal against this test's gateway. */
function as(token: string, ...args: string[]): Promise<TaskgateRun> {
  return runTaskgate(args, { env: { TASKGATE_API: gateway.api.url, TASKGATE_TOKEN: token } })
}

function json<T = Record<string, unknown>>(run: TaskgateRun): T {
  try {
    return JSON.parse(run.stdout) as T
  } catch {
    throw new Error(`not JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`)
  }
}

interface GrantOut {
  id: string
  status: string
  resource: string
  scope: string
  task: string
  expiresAt: string | null
  connection: { host: string; port: number; user: string; password: string; database: string | null } | null
  reason?: string
}

test('--help lists every command; unknown commands are usage errors (exit 2)', async () => {
  const help = await runTaskgate(['--help'])
  assert.equal(help.code, 0)
  for (const command of COMMANDS)
    assert.match(help.stdout, new RegExp(`^  ${command.name} `, 'm'), command.name)
  const one = await runTaskgate(['help', 'grant', 'request'])
  assert.match(
    one.stdout,
    /usage: taskgate grant request RESOURCE \[--scope S\] \[--from-plan FILE\] --task T/,
  )
  // A group of commands answers for its help, both ways it can be asked.
  for (const ask of [
    ['help', 'sessions'],
    ['sessions', '--help'],
    ['grant', '-h'],
  ]) {
    const group = await runTaskgate(ask)
    assert.equal(group.code, 0, ask.join(' '))
    assert.match(group.stdout, new RegExp(`usage: taskgate ${ask.find((w) => w !== 'help')} <subcommand>`))
    assert.match(group.stdout, /^ {2}(sessions list|grant request) /m)
  }
  const unknown = await runTaskgate(['frobnicate'])
  assert.equal(unknown.code, 2)
  assert.match(unknown.stderr, /^error \[TG_CLI_USAGE\]: unknown command "frobnicate"/)
  const missing = await as(keys.admin, 'grant', 'request', resourceId, '--task', 'x')
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /--scope is required/)
})

test('agents create prints the key once and the key works', async () => {
  const created = await as(keys.admin, 'agents', 'create', `bot-${suffix}`, '--groups', agents)
  assert.equal(created.code, 0, created.stderr)
  keys.agent = /^key: (\S+)$/m.exec(created.stdout)?.[1] ?? ''
  assert.ok(keys.agent)
  const approver = json<{ key: string }>(
    await as(keys.admin, 'agents', 'create', `dba-${suffix}`, '--groups', dbas, '--json'),
  )
  keys.approver = approver.key
  const me = await as(keys.agent, 'whoami', '--json')
  assert.equal(json<{ name: string }>(me).name, `bot-${suffix}`)
  const list = await as(keys.admin, 'agents', 'list')
  assert.match(list.stdout, new RegExp(`^bot-${suffix} +agent +${agents} `, 'm'))
  const noToken = await runTaskgate(['whoami'], {
    env: { TASKGATE_API: gateway.api.url, XDG_CONFIG_HOME: dir },
  })
  assert.equal(noToken.code, 1)
  assert.match(noToken.stderr, /^error \[TG_AUTH_MISSING\]/)
})

test('resources lists the ceiling', async () => {
  const run = await as(keys.agent, 'resources')
  assert.equal(run.code, 0, run.stderr)
  assert.match(
    run.stdout,
    new RegExp(`^${resourceId} +postgres +select:\\*,insert:public\\.\\* +select:public\\.\\*`, 'm'),
  )
})

test('an auto-approved grant: --json shape, grant env, connect -- psql, end', async () => {
  const run = await as(
    keys.agent,
    'grant',
    'request',
    resourceId,
    '--scope',
    'select:public.items',
    '--task',
    'count items',
    '--ttl',
    '10m',
    '--json',
  )
  assert.equal(run.code, 0, run.stderr)
  const grant = json<GrantOut>(run)
  assert.deepEqual(Object.keys(grant), [
    'id',
    'status',
    'resource',
    'scope',
    'task',
    'expiresAt',
    'connection',
  ])
  assert.equal(grant.status, 'active')
  assert.equal(grant.resource, resourceId)
  assert.equal(grant.scope, 'select:public.items')
  assert.deepEqual(Object.keys(grant.connection ?? {}), ['host', 'port', 'user', 'password', 'database'])
  assert.equal(grant.connection?.port, gateway.resources.get(resourceId)?.port)

  const env = await as(keys.agent, 'grant', 'env', grant.id)
  assert.equal(env.code, 0, env.stderr)
  const names = [...env.stdout.matchAll(/^export (PG[A-Z]+)='[^']*'$/gm)].map((m) => m[1])
  assert.deepEqual(names, ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'])

  const psql = await as(
    keys.agent,
    'connect',
    grant.id,
    '--',
    'psql',
    '-X',
    '-tAc',
    'select count(*) from public.items',
  )
  assert.equal(psql.code, 0, psql.stderr)
  assert.equal(psql.stdout.trim(), '2')
  const denied = await as(
    keys.agent,
    'connect',
    grant.id,
    '--',
    'psql',
    '-X',
    '-tAc',
    'delete from public.items',
  )
  assert.notEqual(denied.code, 0, 'psql exits non-zero on the 42501 denial')
  assert.match(denied.stderr, /ERROR/)
  const exitCode = await as(keys.agent, 'connect', grant.id, '--', 'sh', '-c', 'exit 7')
  assert.equal(exitCode.code, 7)

  const ended = await as(keys.agent, 'grant', 'end', grant.id)
  assert.equal(ended.code, 0, ended.stderr)
  assert.match(ended.stdout, /ended/)
  const after = await as(keys.agent, 'grant', 'env', grant.id)
  assert.equal(after.code, 3)
  assert.match(after.stderr, /^error \[TG_GRANT_NOT_ACTIVE\]/)
})

test('grant env and connect each add a credential: the --json one and every shell keep working until the end', async () => {
  const run = await as(
    keys.agent,
    'grant',
    'request',
    resourceId,
    '--scope',
    'select:public.items',
    '--task',
    'two shells',
    '--json',
  )
  const grant = json<GrantOut>(run)
  const c = grant.connection!
  const fromRequest = {
    PGHOST: c.host,
    PGPORT: String(c.port),
    PGUSER: c.user,
    PGPASSWORD: c.password,
    PGDATABASE: c.database ?? '',
  }
  const fromEnv = json<Record<string, string>>(await as(keys.agent, 'grant', 'env', grant.id, '--json'))
  const connected = await as(
    keys.agent,
    'connect',
    grant.id,
    '--',
    'sh',
    '-c',
    'echo "$PGUSER $PGPASSWORD"; psql -X -tAc "select count(*) from public.items"',
  )
  assert.equal(connected.code, 0, connected.stderr)
  const [line, count] = connected.stdout.trim().split('\n')
  assert.equal(count, '2')
  const [user, password] = line!.split(' ')
  const fromConnect = { ...fromRequest, PGUSER: user!, PGPASSWORD: password! }
  const shells = [fromRequest, fromEnv, fromConnect]
  assert.equal(new Set(shells.map((e) => e.PGUSER)).size, 3, 'each issue has its own user')
  // The password `grant request --json` printed still works after `grant env` and `connect`, and so on.
  for (const env of shells) {
    const ok = await psql({ ...process.env, ...env }, 'select count(*) from public.items')
    assert.equal(ok.stdout.trim(), '2', ok.stderr)
  }
  assert.equal((await as(keys.agent, 'grant', 'end', grant.id)).code, 0)
  for (const env of shells) {
    const refused = await psql({ ...process.env, ...env }, 'select 1')
    assert.notEqual(refused.code, 0)
    assert.match(refused.stderr, /The grant \S+ is ended \(completed at /)
  }
})

test('beyond the ceiling: denied (exit 3) naming the scope that may be requested', async () => {
  const run = await as(
    keys.agent,
    'grant',
    'request',
    resourceId,
    '--scope',
    'delete:public.items',
    '--task',
    'clean up',
    '--json',
  )
  assert.equal(run.code, 3)
  const grant = json<GrantOut>(run)
  assert.equal(grant.status, 'denied')
  assert.equal(grant.connection, null)
  assert.match(grant.reason ?? '', /you may request within select:\*,insert:public\.\*/)
  // Said once, not once by core and again by the CLI.
  assert.equal(grant.reason?.match(/you may request/g)?.length, 1)
  const human = await as(
    keys.agent,
    'grant',
    'request',
    resourceId,
    '--scope',
    'delete:public.items',
    '--task',
    'clean up',
  )
  assert.equal(human.code, 3)
  assert.match(human.stdout, /^status +denied$/m)
  assert.equal(human.stdout.match(/you may request/g)?.length, 1, human.stdout)
})

test('needs approval: pending; --wait gets the credential once another principal approves', async () => {
  const task = `add an item ${suffix}`
  const pending = await as(
    keys.agent,
    'grant',
    'request',
    resourceId,
    '--scope',
    'insert:public.items',
    '--task',
    'first try',
    '--json',
  )
  assert.equal(pending.code, 0, pending.stderr)
  assert.equal(json<GrantOut>(pending).status, 'pending')

  const waiting = as(
    keys.agent,
    'grant',
    'request',
    resourceId,
    '--scope',
    'insert:public.items',
    '--task',
    task,
    '--wait',
    '--json',
  )
  let approvalGrant: string | undefined
  for (let i = 0; i < 40 && !approvalGrant; i++) {
    const list = json<Array<{ grantId: string; task: string }>>(
      await as(keys.approver, 'approvals', 'list', '--json'),
    )
    approvalGrant = list.find((a) => a.task === task)?.grantId
    if (!approvalGrant) await new Promise((r) => setTimeout(r, 250))
  }
  assert.ok(approvalGrant, 'the approver sees the pending request')
  const approve = await as(keys.approver, 'grant', 'approve', approvalGrant, '--reason', 'fine')
  assert.equal(approve.code, 0, approve.stderr)
  assert.match(approve.stdout, /approved/)

  const done = await waiting
  assert.equal(done.code, 0, done.stderr)
  assert.match(done.stderr, /waiting for approval/)
  const grant = json<GrantOut>(done)
  assert.equal(grant.id, approvalGrant)
  assert.equal(grant.status, 'active')
  assert.ok(grant.connection?.password)
  const insert = await as(
    keys.agent,
    'connect',
    grant.id,
    '--',
    'psql',
    '-X',
    '-tAc',
    "insert into public.items values (3, 'three')",
  )
  assert.equal(insert.code, 0, insert.stderr)

  const revoke = await as(keys.admin, 'grant', 'revoke', grant.id, '--reason', 'task done')
  assert.equal(revoke.code, 0, revoke.stderr)
  assert.match(revoke.stdout, /revoked/)
  const show = json<{ status: string; endReason: string }>(
    await as(keys.agent, 'grant', 'show', grant.id, '--json'),
  )
  assert.deepEqual([show.status, show.endReason], ['ended', 'revoked'])
})

test('nobody approves their own request (exit 3); a denial with a reason reaches the requester', async () => {
  const pending = json<GrantOut>(
    await as(
      keys.approver,
      'grant',
      'request',
      resourceId,
      '--scope',
      'delete:public.items',
      '--task',
      'purge',
      '--json',
    ),
  )
  assert.equal(pending.status, 'pending')
  const withoutReason = await as(keys.admin, 'grant', 'approve', pending.id)
  assert.equal(withoutReason.code, 2, 'a usage error')
  assert.match(withoutReason.stderr, /--reason is required: say why you approve/)
  const own = await as(keys.approver, 'grant', 'approve', pending.id, '--reason', 'mine')
  assert.equal(own.code, 3)
  assert.match(own.stderr, /^error \[TG_SELF_APPROVAL\]/)
  const deny = await as(keys.admin, 'grant', 'deny', pending.id, '--reason', 'use a migration')
  assert.equal(deny.code, 0, deny.stderr)
  const show = await as(keys.approver, 'grant', 'show', pending.id)
  assert.match(show.stdout, /^status +denied$/m)
  assert.match(show.stdout, /use a migration/)
})

test('`taskgate approve|deny ID` need --reason; deny reaches the requester, approve is recorded with its reason', async () => {
  const request = async (task: string) => {
    const grant = json<GrantOut>(
      await as(
        keys.agent,
        'grant',
        'request',
        resourceId,
        '--scope',
        'insert:public.items',
        '--task',
        task,
        '--json',
      ),
    )
    assert.equal(grant.status, 'pending')
    const pending = json<Array<{ id: string; grantId: string }>>(
      await as(keys.approver, 'approvals', 'list', '--json'),
    )
    const approvalId = pending.find((a) => a.grantId === grant.id)?.id
    assert.ok(approvalId, `the approver sees the request of ${grant.id}`)
    return { ...grant, approvalId }
  }
  const toDeny = await request(`bulk insert ${suffix}`)
  for (const args of [
    ['deny', toDeny.approvalId],
    ['deny', toDeny.approvalId, '--reason', '   '],
    ['approve', toDeny.approvalId],
    ['approve', toDeny.approvalId, '--reason', ''],
  ]) {
    const refused = await as(keys.approver, ...args)
    assert.equal(refused.code, 2, `${args.join(' ')}: ${refused.stderr}`)
    assert.match(refused.stderr, new RegExp(`--reason is required: say why you ${args[0]}`))
  }
  assert.equal(json<GrantOut>(await as(keys.agent, 'grant', 'show', toDeny.id, '--json')).status, 'pending')

  const deny = await as(keys.approver, 'deny', toDeny.approvalId, '--reason', 'use COPY for bulk loads')
  assert.equal(deny.code, 0, deny.stderr)
  assert.match(deny.stdout, new RegExp(`^approval ${toDeny.approvalId} denied \\(grant ${toDeny.id}, `, 'm'))
  const denied = await as(keys.agent, 'grant', 'show', toDeny.id)
  assert.match(denied.stdout, /^status +denied$/m)
  assert.match(denied.stdout, /use COPY for bulk loads/)

  const toApprove = await request(`add row 4 ${suffix}`)
  const approve = await as(
    keys.approver,
    'approve',
    toApprove.approvalId,
    '--reason',
    'row 4 is expected',
    '--json',
  )
  assert.equal(approve.code, 0, approve.stderr)
  const approved = json<{ status: string; decisionReason: string; decidedBy: string }>(approve)
  assert.equal(approved.status, 'approved')
  assert.equal(approved.decisionReason, 'row 4 is expected')
  assert.match(approved.decidedBy, /^sa:/)
  const audit = json<Array<{ type: string; subject: string; data: { reason?: string } }>>(
    await as(keys.admin, 'audit', 'tail', '-n', '50', '--json'),
  )
  assert.deepEqual(
    audit
      .filter((e) => e.subject === toDeny.approvalId || e.subject === toApprove.approvalId)
      .map((e) => [e.type, e.data.reason])
      .filter(([t]) => t !== 'approval.requested'),
    [
      ['approval.denied', 'use COPY for bulk loads'],
      ['approval.approved', 'row 4 is expected'],
    ],
  )
})

test('grant list, approvals list, sessions list and audit tail answer in tables and JSON', async () => {
  const grants = await as(keys.agent, 'grant', 'list')
  assert.equal(grants.code, 0, grants.stderr)
  assert.match(grants.stdout, /^ID +STATUS +PRINCIPAL +RESOURCE +SCOPE +EXPIRES +TASK$/m)
  const all = json<unknown[]>(await as(keys.admin, 'grant', 'list', '--all', '--status', 'ended', '--json'))
  assert.ok(all.length >= 2)
  const sessions = await as(keys.admin, 'sessions', 'list')
  assert.equal(sessions.code, 0, sessions.stderr)
  assert.match(sessions.stdout, new RegExp(resourceId))
  const sessionId = /^(\S+) /m.exec(sessions.stdout.split('\n')[1] ?? '')?.[1]
  const shown = await as(keys.admin, 'sessions', 'show', sessionId ?? '')
  assert.equal(shown.code, 0, shown.stderr)
  assert.match(shown.stdout, /^SEQ +AT +OUTCOME/m)
  const tail = json<Array<{ seq: number }>>(await as(keys.admin, 'audit', 'tail', '-n', '5', '--json'))
  assert.equal(tail.length, 5)
  assert.ok(tail[0]!.seq < tail[4]!.seq, 'oldest first')
})

test('sessions end closes one live psql session and keeps its grant; agents rotate, disable and delete', async () => {
  const name = `temp-${suffix}`
  const created = json<{ key: string }>(
    await as(keys.admin, 'agents', 'create', name, '--groups', agents, '--json'),
  )
  const rotated = await as(keys.admin, 'agents', 'rotate', name)
  assert.equal(rotated.code, 0, rotated.stderr)
  const key = /^key: (\S+)$/m.exec(rotated.stdout)?.[1] ?? ''
  assert.equal((await as(created.key, 'whoami')).code, 1, 'the old key stops working')
  const granted = json<GrantOut>(
    await as(
      key,
      'grant',
      'request',
      resourceId,
      '--scope',
      'select:public.items',
      '--task',
      'cli end',
      '--json',
    ),
  )
  const c = granted.connection!
  await using client = new PsqlSession({
    PATH: process.env.PATH,
    PGHOST: c.host,
    PGPORT: String(c.port),
    PGUSER: c.user,
    PGPASSWORD: c.password,
    PGDATABASE: db.name,
    PGSSLMODE: 'disable',
  })
  client.send('SELECT 1;\n')
  await client.waitFor('stdout', /^1$/m)
  const [live] = json<Array<{ id: string }>>(
    await as(keys.admin, 'sessions', 'list', '--grant', granted.id, '--json'),
  )
  const noReason = await as(keys.admin, 'sessions', 'end', live!.id)
  assert.equal(noReason.code, 2)
  const ended = await as(keys.admin, 'sessions', 'end', live!.id, '--reason', 'stuck in a loop')
  assert.equal(ended.code, 0, ended.stderr)
  assert.match(ended.stdout, /stays active/)
  client.send('SELECT 2;\n')
  await client.waitFor('stderr', /stuck in a loop/)
  assert.equal(
    json<{ status: string }>(await as(key, 'grant', 'show', granted.id, '--json')).status,
    'active',
  )

  const disabled = await as(keys.admin, 'agents', 'disable', name, '--reason', 'retired')
  assert.equal(disabled.code, 0, disabled.stderr)
  assert.equal((await as(key, 'whoami')).code, 1, 'a disabled key stops working')
  const grant = json<{ status: string; endReason: string }>(
    await as(keys.admin, 'grant', 'show', granted.id, '--json'),
  )
  assert.deepEqual([grant.status, grant.endReason], ['ended', 'revoked'])
  const deleted = await as(keys.admin, 'agents', 'delete', name, '--reason', 'cleanup')
  assert.equal(deleted.code, 0, deleted.stderr)
  assert.doesNotMatch((await as(keys.admin, 'agents', 'list')).stdout, new RegExp(`^${name} `, 'm'))
})

test('audit verify: the chain is intact', async () => {
  const run = await as(keys.admin, 'audit', 'verify')
  assert.equal(run.code, 0, run.stderr)
  assert.match(run.stdout, /^audit chain ok: \d+ entries verified$/m)
})

test('config check: ok for a good file, the precise key path for a bad one', async () => {
  const good = join(dir, 'good.yaml')
  await writeFile(good, configYaml('postgres', join(dir, 'unused')))
  const ok = await runTaskgate(['config', 'check', good])
  assert.equal(ok.code, 0, ok.stderr)
  assert.match(ok.stdout, /ok \(1 resources, 2 policies\)/)
  const bad = join(dir, 'bad.yaml')
  await writeFile(bad, configYaml('postgres', join(dir, 'unused')).replace('port: 5432,', 'port: "5432x",'))
  const failed = await runTaskgate(['config', 'check', bad])
  assert.equal(failed.code, 1)
  assert.match(failed.stderr, /^error \[TG_CONFIG_INVALID\]/)
  assert.match(failed.stderr, /bad\.yaml: resources\[0\]\.target\.port: expected .*got "5432x"/)
})

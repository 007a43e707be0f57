// Asynchronous server messages pass through the gateway unchanged: LISTEN/NOTIFY between two sessions,
// NOTICE responses, and ParameterStatus after a SET.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({ setupSql: 'CREATE TABLE public.jobs (id int)' })
})
after(() => gw[Symbol.asyncDispose]())

async function connect(scope: string): Promise<pg.Client> {
  const { credential } = await gw.grant(scope)
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  return client
}

test('a NOTIFY from one session reaches a LISTENing session through the gateway', async () => {
  const listener = await connect('listen:jobs')
  const notifier = await connect('notify:jobs')
  try {
    const received = new Promise<pg.Notification>((resolve) => listener.once('notification', resolve))
    await listener.query('LISTEN jobs')
    await notifier.query("NOTIFY jobs, 'job 42 is ready'")
    const n = await received
    assert.equal(n.channel, 'jobs')
    assert.equal(n.payload, 'job 42 is ready')
    // The channel is part of the scope: another one is denied.
    await assert.rejects(notifier.query("NOTIFY other, 'x'"), { code: '42501' })
  } finally {
    await listener.end()
    await notifier.end()
  }
})

test('NOTICE responses and ParameterStatus reach the client', async () => {
  const client = await connect('create:public.jobs,select:public.jobs')
  try {
    const notice = new Promise<{ message?: string }>((resolve) => client.once('notice', resolve))
    await client.query('CREATE TABLE IF NOT EXISTS public.jobs (id int)')
    assert.match((await notice).message ?? '', /already exists, skipping/)
    // The server reports application_name changes with ParameterStatus; the relay must pass it on.
    const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection
    const status = new Promise<{ parameterName: string; parameterValue: string }>((resolve) =>
      connection.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) => {
        if (m.parameterName === 'application_name') resolve(m)
      }),
    )
    await client.query("SET application_name = 'tg-notice-test'")
    assert.equal((await status).parameterValue, 'tg-notice-test')
  } finally {
    await client.end()
  }
})

test('a FunctionCall of an OID the target has no function for is denied by core and the session goes on', async () => {
  const { credential } = await gw.grant('select:public.jobs')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  try {
    const connection = (
      client as unknown as { connection: NodeJS.EventEmitter & { stream: NodeJS.WritableStream } }
    ).connection
    const denied = new Promise<{ code?: string; message?: string }>((resolve) =>
      connection.once('errorMessage', resolve),
    )
    client.on('error', () => {})
    // 'F', length, function OID 1 (pg_catalog: none), no argument formats, no arguments, text result.
    const body = Buffer.alloc(4 + 2 + 2 + 2)
    body.writeInt32BE(1, 0)
    const frame = Buffer.concat([Buffer.from('F'), Buffer.alloc(4), body])
    frame.writeInt32BE(frame.length - 1, 1)
    connection.stream.write(frame)
    const error = await denied
    assert.equal(error.code, '42501')
    assert.match(error.message ?? '', /FunctionCall/)
    const admin = {
      id: 'sa:admin',
      kind: 'service' as const,
      name: 'admin',
      groups: ['taskgate-admins'],
      via: 'service-account' as const,
    }
    let audited = false
    for (let i = 0; i < 100 && !audited; i++) {
      const audit = await gw.core.listAudit(admin, { type: 'action.denied', limit: 1000 })
      audited = audit.some((e) => e.data?.kind === 'FunctionCall')
      if (!audited) await sleep(50)
    }
    assert.ok(audited, 'the denial is audited')
  } finally {
    await client.end().catch(() => {})
  }
})

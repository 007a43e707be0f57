// Stream listeners behind a real HAProxy that sends the PROXY protocol (listen.proxyProtocol): the gateway
// counts the client HAProxy names, not HAProxy, so one client's failed logins do not lock out every client
// of the balancer. Clients connect from distinct loopback addresses (127.0.0.2, 127.0.0.3) to tell them apart.
import assert from 'node:assert/strict'
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import mysql from 'mysql2/promise'
import pg from 'pg'
import type { IssuedCredential } from '../../src/core/index.ts'
import { freePort } from '../support/console.ts'
import { startPostgresGateway } from '../support/start-gateway.ts'
import { startHttpGateway } from '../support/start-http-gateway.ts'
import { startHttpbin } from '../support/start-httpbin.ts'
import { startMysqlGateway } from '../support/start-mysql-gateway.ts'
import { exec, startSshGateway } from '../support/start-ssh-gateway.ts'

const HAPROXY = process.env.TASKGATE_HAPROXY ?? '/usr/sbin/haproxy'
const cleanups: Array<() => PromiseLike<unknown>> = []
after(async () => {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {})
})

/** HAProxy in the foreground, one TCP frontend to `port` with `send-proxy` or `send-proxy-v2`. */
async function balancer(port: number, send: 'send-proxy' | 'send-proxy-v2'): Promise<number> {
  const listen = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'tg-lb-'))
  const cfg = join(dir, 'haproxy.cfg')
  await writeFile(
    cfg,
    `defaults
  mode tcp
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend in
  bind 127.0.0.1:${listen}
  default_backend gw
backend gw
  server gw 127.0.0.1:${port} ${send}
`,
  )
  const proc: ChildProcess = spawn(HAPROXY, ['-db', '-f', cfg], { stdio: 'ignore' })
  cleanups.push(async () => {
    proc.kill('SIGKILL')
    await rm(dir, { recursive: true, force: true })
  })
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(listen, '127.0.0.1', () => {
        resolve(true)
        s.destroy()
      })
      s.on('error', () => resolve(false))
    })
    if (up) return listen
    await sleep(50)
  }
  throw new Error('haproxy did not start')
}

const LIMITS = 'limits: { failedLogins: { perSource: 2, perPrincipal: 100, window: 1m } }'
const TRUST_LOOPBACK = 'proxyProtocol: { trustedSources: [127.0.0.1] }'

/** A psql-like login through `port` from the local address `from`; 'ok' or the error's SQLSTATE. */
async function pgLogin(
  port: number,
  from: string,
  login: { user: string; password: string; database: string },
): Promise<string> {
  const client = new pg.Client({
    ...login,
    host: '127.0.0.1',
    port,
    stream: () => {
      const socket = new net.Socket()
      const connect = socket.connect.bind(socket)
      socket.connect = ((p: number, host: string) =>
        connect({ port: p, host, localAddress: from })) as unknown as typeof socket.connect
      return socket
    },
  })
  try {
    await client.connect()
    await client.end()
    return 'ok'
  } catch (error) {
    return (error as { code?: string }).code ?? String(error)
  }
}

test('PostgreSQL behind HAProxy send-proxy-v2: failed logins count per client, not per balancer', async () => {
  const g = await startPostgresGateway({ listenYaml: TRUST_LOOPBACK, extraConfig: LIMITS })
  cleanups.push(() => g[Symbol.asyncDispose]())
  const lb = await balancer(g.port, 'send-proxy-v2')
  const { credential } = await g.grant('select:*')
  const bad = { user: 'nobody', password: 'wrong', database: g.db.name }
  const good = (c: IssuedCredential) => ({
    user: c.connection.user,
    password: c.connection.password!,
    database: g.db.name,
  })
  for (let i = 0; i < 3; i++) await pgLogin(lb, '127.0.0.3', { ...bad, user: `nobody-${i}` })
  assert.equal(await pgLogin(lb, '127.0.0.3', bad), '08004', 'the failing client is limited')
  assert.equal(
    await pgLogin(lb, '127.0.0.2', good(credential)),
    'ok',
    'another client of the balancer is not',
  )
  const sessions = await g.core.listSessions(g.agent, { grantId: credential.grantId })
  assert.ok(
    sessions.some((s) => s.client?.startsWith('127.0.0.2:')),
    `the session names the client: ${JSON.stringify(sessions.map((s) => s.client))}`,
  )
})

test('a trusted balancer connection without a header is closed; other addresses are served as they are', async () => {
  const g = await startPostgresGateway({ listenYaml: TRUST_LOOPBACK })
  cleanups.push(() => g[Symbol.asyncDispose]())
  const { credential } = await g.grant('select:*')
  const good = (c: IssuedCredential) => ({
    user: c.connection.user,
    password: c.connection.password!,
    database: g.db.name,
  })
  assert.notEqual(await pgLogin(g.port, '127.0.0.1', good(credential)), 'ok', 'no header from 127.0.0.1')
  assert.equal(await pgLogin(g.port, '127.0.0.2', good(credential)), 'ok', 'not a balancer: served directly')
})

test('MySQL behind HAProxy send-proxy (v1): the server-first handshake still works', async () => {
  const g = await startMysqlGateway({ listenYaml: TRUST_LOOPBACK })
  cleanups.push(() => g[Symbol.asyncDispose]())
  const lb = await balancer(g.port, 'send-proxy')
  const { credential } = await g.grant('select:$DB.*')
  const c = await mysql.createConnection({
    host: '127.0.0.1',
    port: lb,
    user: credential.connection.user,
    password: credential.connection.password,
    database: g.database,
  })
  try {
    const [rows] = await c.query('SELECT id FROM customers ORDER BY id')
    assert.deepEqual(rows, [{ id: 1 }, { id: 2 }])
  } finally {
    await c.end()
  }
})

test('SSH behind HAProxy send-proxy-v2: the client speaks first after the header', async () => {
  const g = await startSshGateway({ listenYaml: TRUST_LOOPBACK })
  cleanups.push(() => g[Symbol.asyncDispose]())
  const lb = await balancer(g.port, 'send-proxy-v2')
  const { credential } = await g.grant('exec:root')
  const client = await g.connect(credential, { port: lb })
  const result = await exec(client, 'echo through-the-balancer')
  assert.equal(result.stdout, 'through-the-balancer\n')
  client.end()
})

test('HTTP behind HAProxy send-proxy-v2: TLS after the header, the upstream told the client', async () => {
  const upstream = await startHttpbin()
  cleanups.push(() => upstream[Symbol.asyncDispose]())
  const g = await startHttpGateway({ upstream: upstream.url, listenYaml: TRUST_LOOPBACK })
  cleanups.push(() => g[Symbol.asyncDispose]())
  const lb = await balancer(g.port, 'send-proxy-v2')
  const { token } = await g.grant('GET:/get')
  const { stdout } = await promisify(execFile)('curl', [
    '-sS',
    '--interface',
    '127.0.0.2',
    '--cacert',
    g.caFile,
    '-H',
    `authorization: Bearer ${token}`,
    `https://127.0.0.1:${lb}/get`,
  ])
  // httpbin's origin is the X-Forwarded-For the gateway sends: the client HAProxy named.
  assert.equal((JSON.parse(stdout) as { origin: string }).origin, '127.0.0.2', stdout)
})

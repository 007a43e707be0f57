// SIGTERM to `node src/main.ts` (what `docker stop` sends, through tini) drains the gateway: the listener
// stops accepting and /v1/health/ready turns 503 while the API keeps serving; a live session goes on working
// until `shutdown.drainTimeout`, then gets PostgreSQL's own FATAL 57P01; a gateway whose sessions all end
// on their own exits without waiting for the deadline. Both exit 0.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { connect as connectTcp } from 'node:net'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { type GatewaySetup, prepareGateway, requestGrant } from '../../support/start-full-gateway.ts'

const MAIN = fileURLToPath(new URL('../../../src/main.ts', import.meta.url))

interface Started {
  child: ChildProcess
  api: string
  port: number
  exited: Promise<number | null>
  output: () => string
}

async function startGatewayProcess(setup: GatewaySetup): Promise<Started> {
  const child = spawn(process.execPath, [MAIN, '--config', setup.configPath], {
    env: { ...process.env, TASKGATE_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const { api, port } = await new Promise<{ api: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 60_000)
    const onData = (d: Buffer) => {
      output += d.toString()
      const api = /control plane at (\S+)/.exec(output)?.[1]
      const at = new RegExp(`resource ${setup.resourceId} at [^:\\s]+:(\\d+)`).exec(output)
      if (api && at) {
        clearTimeout(timer)
        resolve({ api, port: Number(at[1]) })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('close', (code) => reject(new Error(`gateway exited (${code}):\n${output}`)))
  })
  return { child, api, port, exited, output: () => output }
}

async function connect(port: number, connection: { user: string; password: string }, database: string) {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: connection.user,
    password: connection.password,
    database,
    ssl: false,
  })
  await client.connect()
  return client
}

async function waitFor(what: string, probe: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Whether a TCP connection to the port is accepted (a closed listener refuses it). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

test('SIGTERM: the listener stops accepting and readiness is 503, a live session works until the drain deadline, then FATAL 57P01; exit 0', async () => {
  await using setup = await prepareGateway({ extraConfig: 'shutdown: { drainTimeout: 4s }\n' })
  const gateway = await startGatewayProcess(setup)
  try {
    const keys = await setup.keys()
    const { connection } = await requestGrant(gateway.api, keys.agent, setup.resourceId, 'select:*')
    const client = await connect(gateway.port, connection, setup.db.name)
    const ended = new Promise<string>((resolve) => {
      client.on('error', (error: Error & { code?: string }) => resolve(error.code ?? error.message))
      client.on('end', () => resolve('end without an error'))
    })
    assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1)
    assert.equal((await fetch(`${gateway.api}/v1/health/ready`)).status, 200)

    gateway.child.kill('SIGTERM')
    await waitFor('readiness to turn 503', async () => {
      const res = await fetch(`${gateway.api}/v1/health/ready`)
      return res.status === 503
    })
    const ready = (await (await fetch(`${gateway.api}/v1/health/ready`)).json()) as {
      checks: { listeners: string }
    }
    assert.match(ready.checks.listeners, /draining/)
    assert.equal(await accepts(gateway.port), false, 'a draining gateway accepts no new client')
    // The session opened before the signal goes on working during the drain.
    assert.equal((await client.query('SELECT 2 AS two')).rows[0].two, 2)

    assert.equal(await ended, '57P01', 'closed at the deadline with PostgreSQL admin_shutdown')
    assert.equal(await gateway.exited, 0, gateway.output())
    assert.match(gateway.output(), /drain deadline passed/)
    await client.end().catch(() => {})
  } finally {
    if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL')
    await gateway.exited
  }
})

test('SIGTERM: when every live session ends on its own the gateway exits without waiting for the deadline', async () => {
  // A deadline far beyond the test timeout: only a drain that notices the last session leaving passes.
  await using setup = await prepareGateway({ extraConfig: 'shutdown: { drainTimeout: 1h }\n' })
  const gateway = await startGatewayProcess(setup)
  try {
    const keys = await setup.keys()
    const { connection } = await requestGrant(gateway.api, keys.agent, setup.resourceId, 'select:*')
    const client = await connect(gateway.port, connection, setup.db.name)
    assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1)
    gateway.child.kill('SIGTERM')
    await waitFor('the drain to start', async () => gateway.output().includes('draining'))
    assert.equal((await client.query('SELECT 3 AS three')).rows[0].three, 3)
    await client.end()
    assert.equal(await gateway.exited, 0, gateway.output())
    assert.match(gateway.output(), /drained: every session ended/)
  } finally {
    if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL')
    await gateway.exited
  }
})

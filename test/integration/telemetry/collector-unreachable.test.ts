// A collector that refuses connections, or accepts them and never answers, costs spans, never requests: API
// calls and data-path logins keep their answers, the batch queue stays bounded (small here, so it fills and
// drops), the operator gets a warn line (at most one a minute) and the gateway still stops.
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { callApi } from '../../support/start-full-gateway.ts'
import { startTracedGateway, type TracedGateway } from '../../support/traced-gateway.ts'

const SMALL_QUEUE = 'timeout: 1s, scheduledDelay: 1s, maxQueueSize: 8, maxExportBatchSize: 4'

async function work(gw: TracedGateway): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const requested = await callApi<{
      grant: { id: string }
      credential: {
        username: string
        password: string
        connection: { host: string; port: number; database: string }
      }
    }>(gw.api, gw.keys.agent, 'POST', '/v1/grants', {
      resource: gw.resourceId,
      scope: 'select:public.*',
      task: `unreachable collector ${i}`,
    })
    assert.equal(requested.status, 201)
    const read = await callApi(gw.api, gw.keys.agent, 'GET', `/v1/grants/${requested.body.grant.id}`)
    assert.equal(read.status, 200)
    if (i % 5 !== 0) continue
    const { credential } = requested.body
    const client = new pg.Client({
      ...credential.connection,
      user: credential.username,
      password: credential.password,
    })
    await client.connect()
    assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1)
    await client.end()
  }
}

async function exportWarning(gw: TracedGateway): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const line = gw.logs.find((l) => l.level === 40 && String(l.msg).startsWith('trace export is failing'))
    if (line) return line
    await sleep(50)
  }
  throw new Error(`no export warning in the log:\n${gw.logs.map((l) => JSON.stringify(l)).join('\n')}`)
}

/** taskgate_trace_spans_total{result="failed"} from a scrape. */
async function spansLost(gw: TracedGateway): Promise<number> {
  const text = await (await fetch(`${gw.api}/metrics`)).text()
  return Number(/^taskgate_trace_spans_total\{result="failed"\} (\d+)$/m.exec(text)?.[1] ?? 0)
}

/** Polls until an export has failed and its spans are counted (a stalled collector fails one only when the
 * export's timeout passes, after the queue may already have overflowed). */
async function spansLostEventually(gw: TracedGateway): Promise<number> {
  for (let i = 0; i < 600; i++) {
    const lost = await spansLost(gw)
    if (lost > 0) return lost
    await sleep(50)
  }
  return 0
}

function checkWarnings(gw: TracedGateway, line: Record<string, unknown>): void {
  // The first line may come from a failed export or from the SDK dropping spans off a full queue, whichever
  // happens first (a stalled collector fails an export only at its timeout).
  assert.ok(Number(line.failedExports) + Number(line.sdkWarnings) >= 1, JSON.stringify(line))
  assert.equal(typeof line.reason, 'string')
  const warnings = gw.logs.filter((l) => l.level === 40 && String(l.msg).startsWith('trace export'))
  // One line a minute at most: far fewer lines than failed exports whatever the machine's speed.
  assert.ok(warnings.length <= 2, `${warnings.length} warn lines`)
  const text = JSON.stringify(gw.logs)
  for (const key of Object.values(gw.keys)) assert.ok(!text.includes(key), 'no key in the log')
}

test('a collector that refuses connections: requests and logins answer, one warning, the gateway stops', async () => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const { port } = closed.address() as { port: number }
  await new Promise((resolve) => closed.close(resolve))
  await using gw = await startTracedGateway({
    traces: `{ enabled: true, endpoint: "http://127.0.0.1:${port}/v1/traces", ${SMALL_QUEUE} }`,
  })
  await work(gw)
  checkWarnings(gw, await exportWarning(gw))
  assert.ok((await spansLostEventually(gw)) > 0, 'the lost spans are counted in /metrics')
  await gw.close()
})

test('a collector that accepts and never answers: requests and logins answer, one warning, the gateway stops', async () => {
  const held: Socket[] = []
  const stalled = createServer((socket) => {
    held.push(socket)
    socket.on('error', () => {})
    socket.resume() // read the request, answer nothing
  })
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve))
  const { port } = stalled.address() as { port: number }
  try {
    await using gw = await startTracedGateway({
      traces: `{ enabled: true, endpoint: "http://127.0.0.1:${port}/v1/traces", protocol: http/json, ${SMALL_QUEUE} }`,
    })
    await work(gw)
    const line = await exportWarning(gw)
    checkWarnings(gw, line)
    assert.ok((await spansLostEventually(gw)) > 0, 'the lost spans are counted in /metrics')
    assert.ok(held.length >= 1, 'the exporter did reach the stalled collector')
    await gw.close()
  } finally {
    for (const socket of held) socket.destroy()
    await new Promise((resolve) => stalled.close(resolve))
  }
})

// Audit export (SIEM) benchmark: the PostgreSQL data path's tps with export off vs on, same run, and how
// fast each sink drains a burst of audit entries. Two gateways on the embedded store, one with no sinks and
// one with three (syslog over TCP to Debian's rsyslogd, or a Node octet-counting reader without it; a
// webhook to a local HTTPS receiver; a JSON Lines file). The configurations alternate over `--rounds`.
// Allowed statements are session actions, not audit entries, so both gateways get the same audit load while
// pgbench runs: a second client, on a select-only grant, sends a statement the grant denies every
// `--deny-every-ms` (each denial is one `action.denied` entry). Then a burst of `--burst` denials (4
// clients) is timed until every sink's lag (GET /v1/audit/sinks) is back to 0. Here the sinks keep pace
// with the gateway's denials (a small backlog when the burst ends), so entries/s is a floor on what a sink
// can take, not its ceiling. See README "Audit export".
//   node bench/siem-export.ts [--seconds 20] [--rounds 3] [--burst 20000] [--deny-every-ms 10] [--scale 10]
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { generate } from 'selfsigned'
import {
  createBenchDatabase,
  freePort,
  initPgbench,
  pgbench,
  requestGrant,
  run,
  startBenchPostgres,
  startTaskgate,
  type TaskgateProcess,
} from './support.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    burst: { type: 'string', default: '20000' },
    'deny-every-ms': { type: 'string', default: '10' },
    scale: { type: 'string', default: '10' },
  },
})
const seconds = values.seconds!
const rounds = Math.min(Math.max(Number(values.rounds), 1), 5)
const burst = Math.min(Math.max(Number(values.burst), 100), 200_000)
const denyEveryMs = Math.max(Number(values['deny-every-ms']), 1)
const database = `tg_bench_${process.pid}`
/** Longest wait for the sinks to drain a burst, so a stuck sink ends the run instead of hanging it. */
const DRAIN_TIMEOUT_MS = 600_000
const DENIED_SQL = 'delete from pgbench_history where false'
const WEBHOOK_SECRET_ENV = 'TASKGATE_BENCH_WEBHOOK_SECRET'

interface Receiver {
  label: string
  /** Entries the receiver itself saw (a cross-check of the gateway's cursor). */
  received(): Promise<number>
  stop(): Promise<void>
}

/** Debian's rsyslogd on its own config (imtcp, one line per message to a file), as a real syslog receiver. */
async function startRsyslog(dir: string): Promise<Receiver & { port: number }> {
  const port = await freePort()
  const out = join(dir, 'rsyslog.out')
  await writeFile(
    join(dir, 'rsyslog.conf'),
    `global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imtcp")
template(name="line" type="string" string="%msgid%\\n")
ruleset(name="in") { action(type="omfile" file="${out}" template="line") }
input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="in")
`,
  )
  const child = spawn(
    '/usr/sbin/rsyslogd',
    ['-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')],
    { stdio: 'ignore' },
  )
  const exited = new Promise((r) => child.once('exit', r))
  await waitForListener(port, child)
  return {
    label: 'syslog (rsyslogd imtcp)',
    port,
    async received() {
      const text = await readFile(out, 'utf8').catch(() => '')
      return text.split('\n').filter(Boolean).length
    },
    async stop() {
      child.kill('SIGTERM')
      await exited
    },
  }
}

async function waitForListener(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`receiver exited with ${child.exitCode}`)
    const taken = await new Promise<boolean>((resolve) => {
      const probe = createTcpServer()
      probe.once('error', () => resolve(true))
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)))
    })
    if (taken) return
    await sleep(100)
  }
  throw new Error(`nothing listens on ${port}`)
}

/** Without rsyslog: reads RFC 6587 octet-counted frames (`LEN SP MSG`), counts them, closes on the sender's
 * FIN (the sink's delivery confirmation). */
async function startFrameCounter(): Promise<Receiver & { port: number }> {
  let frames = 0
  const server: Server = createTcpServer((socket: Socket) => {
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      for (;;) {
        const space = pending.indexOf(0x20)
        if (space < 0 || space > 10) break
        const length = Number(pending.subarray(0, space).toString('latin1'))
        if (!Number.isInteger(length) || length > 1 << 20) return socket.destroy()
        if (pending.length < space + 1 + length) break
        pending = pending.subarray(space + 1 + length)
        frames++
      }
    })
    socket.on('end', () => socket.end())
    socket.on('error', () => {})
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    label: 'syslog (Node frame reader)',
    port: (server.address() as { port: number }).port,
    received: async () => frames,
    stop: () => new Promise((r) => server.close(() => r())),
  }
}

/** An HTTPS receiver that answers 200 and counts the JSON Lines in each body. */
async function startWebhookReceiver(cert: {
  cert: string
  key: string
}): Promise<Receiver & { url: string }> {
  let lines = 0
  const server = createHttpsServer({ cert: cert.cert, key: cert.key }, (req, res) => {
    let count = 0
    req.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 0x0a) count++
    })
    req.on('end', () => {
      lines += count
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    label: 'webhook (HTTPS)',
    url: `https://127.0.0.1:${(server.address() as { port: number }).port}/audit`,
    received: async () => lines,
    async stop() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    },
  }
}

async function sinkStatus(tg: TaskgateProcess): Promise<Array<{ id: string; lag: number; cursor: number }>> {
  const res = await fetch(`${tg.apiUrl}/v1/audit/sinks`, {
    headers: { authorization: `Bearer ${tg.adminKey}` },
  })
  if (!res.ok) throw new Error(`GET /v1/audit/sinks: ${res.status}`)
  return ((await res.json()) as { sinks: Array<{ id: string; lag: number; cursor: number }> }).sinks
}

async function connectAs(tg: TaskgateProcess, cred: { user: string; password: string }): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: tg.pgPort, ...cred, database, ssl: false })
  client.on('error', () => {})
  await client.connect()
  return client
}

/** Sends the denied statement every `denyEveryMs` until `until`; returns the denials sent. */
async function steadyDenials(client: pg.Client, until: number): Promise<number> {
  let sent = 0
  while (Date.now() < until) {
    await client.query(DENIED_SQL).then(
      () => {
        throw new Error('the denied statement was allowed')
      },
      (error: unknown) => {
        if (error instanceof Error && error.message === 'the denied statement was allowed') throw error
      },
    )
    sent++
    await sleep(denyEveryMs)
  }
  return sent
}

async function main() {
  const server = await startBenchPostgres()
  try {
    await measure()
  } finally {
    await server.stop()
  }
}

async function measure() {
  const dropDatabase = await createBenchDatabase(database)
  const dir = await mkdtemp(join(tmpdir(), 'tg-bench-siem-'))
  const cleanup: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true }), dropDatabase]
  try {
    await initPgbench(database, values.scale!)
    const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
      ],
    })
    const cert = { cert: pems.cert, key: pems.private }
    await writeFile(join(dir, 'ca.pem'), cert.cert)
    const haveRsyslog = await run('test', ['-x', '/usr/sbin/rsyslogd']).then(
      () => true,
      () => false,
    )
    const syslog = haveRsyslog ? await startRsyslog(dir) : await startFrameCounter()
    cleanup.unshift(() => syslog.stop())
    const webhook = await startWebhookReceiver(cert)
    cleanup.unshift(() => webhook.stop())
    const jsonlPath = join(dir, 'audit.jsonl')
    const jsonl: Receiver = {
      label: 'jsonl (file, fdatasync per batch)',
      async received() {
        const text = await readFile(jsonlPath, 'utf8').catch(() => '')
        return text.split('\n').filter(Boolean).length
      },
      stop: async () => {},
    }
    process.env[WEBHOOK_SECRET_ENV] = 'bench-webhook-secret-0123456789abcdef'
    const sinksYaml = `audit:
  sinks:
    - { id: syslog, kind: syslog, host: 127.0.0.1, port: ${syslog.port}, transport: tcp }
    - { id: webhook, kind: webhook, url: "${webhook.url}", caFile: ${join(dir, 'ca.pem')}, secret: { env: ${WEBHOOK_SECRET_ENV} } }
    - { id: jsonl, kind: jsonl, path: ${jsonlPath}, maxBytes: 1073741824 }
`
    const receivers: Record<string, Receiver> = { syslog, webhook, jsonl }

    const off = await startTaskgate(database)
    cleanup.unshift(() => off.stop())
    const on = await startTaskgate(database, sinksYaml)
    cleanup.unshift(() => on.stop())
    const gateways = { off, on }
    const creds = {
      off: { full: await requestGrant(off), readOnly: await requestGrant(off, 'select:public.*') },
      on: { full: await requestGrant(on), readOnly: await requestGrant(on, 'select:public.*') },
    }

    const cases: Array<[string, string[]]> = [
      ['select-only, 4 clients', ['-S', '-c', '4', '-j', '2', '-T', seconds]],
      ['simple-update, 4 clients', ['-N', '-c', '4', '-j', '2', '-T', seconds]],
    ]
    const tps: Record<string, { off: number[]; on: number[] }> = {}
    let steadySent = 0
    for (let round = 1; round <= rounds; round++) {
      // Alternate which configuration goes first, so a drift over the run hits both alike.
      const order: Array<'off' | 'on'> = round % 2 === 1 ? ['off', 'on'] : ['on', 'off']
      for (const [name, args] of cases) {
        for (const which of order) {
          const tg = gateways[which]
          const denier = await connectAs(tg, creds[which].readOnly)
          const until = Date.now() + Number(seconds) * 1000
          const [result, sent] = await Promise.all([
            pgbench(args, { port: tg.pgPort, ...creds[which].full, database }),
            steadyDenials(denier, until),
          ])
          await denier.end()
          steadySent += sent
          process.stderr.write(`round ${round} ${name} export ${which}: ${result.tps.toFixed(0)} tps\n`)
          tps[name] ??= { off: [], on: [] }
          tps[name][which].push(result.tps)
        }
      }
    }

    // The burst: wait until every sink has caught up, then time N denials until each sink's lag is 0.
    await waitForDrain(on, Date.now())
    // Done means the burst's own entries are delivered too, not just a lag of 0 before they were written.
    const target = Math.max(...(await sinkStatus(on)).map((s) => s.cursor)) + burst
    const burstClients = await Promise.all([0, 1, 2, 3].map(() => connectAs(on, creds.on.readOnly)))
    const started = performance.now()
    let generatedMs = 0
    let peakLag = 0
    const doneMs: Record<string, number> = {}
    /** Each sink's backlog at the first poll after the last denial was answered, and when that was. */
    const backlog: Record<string, { lag: number; atMs: number }> = {}
    const generating = Promise.all(
      burstClients.map(async (client, i) => {
        const share = Math.floor(burst / 4) + (i < burst % 4 ? 1 : 0)
        for (let n = 0; n < share; n++) await client.query(DENIED_SQL).catch(() => {})
      }),
    ).then(() => {
      generatedMs = performance.now() - started
    })
    const deadline = Date.now() + DRAIN_TIMEOUT_MS
    // Poll the sinks while the burst runs and after (every 50 ms, so a figure is at most 50 ms late).
    while (Object.keys(doneMs).length < 3 && Date.now() < deadline) {
      await sleep(50)
      const status = await sinkStatus(on)
      for (const s of status) {
        peakLag = Math.max(peakLag, s.lag)
        if (generatedMs > 0 && backlog[s.id] === undefined)
          backlog[s.id] = { lag: s.lag, atMs: performance.now() - started }
        if (generatedMs > 0 && s.lag === 0 && s.cursor >= target && doneMs[s.id] === undefined)
          doneMs[s.id] = performance.now() - started
      }
    }
    await generating
    await Promise.all(burstClients.map((c) => c.end()))
    if (Object.keys(doneMs).length < 3) throw new Error(`sinks did not drain: ${JSON.stringify(doneMs)}`)
    const final = await sinkStatus(on)

    const out = process.stdout
    out.write(
      `\n${new Date().toISOString()}  ${process.version}  pgbench scale ${values.scale}, ${seconds}s per run, ${rounds} rounds alternating export off/on; steady audit load: 1 denial every ${denyEveryMs} ms on both gateways (${steadySent} denials in all)\n`,
    )
    const rows: string[][] = [
      ['case (median of rounds)', 'export off', 'export on', 'on/off', 'paired on/off', 'runs (off | on)'],
    ]
    const median = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b)
      const mid = Math.floor(sorted.length / 2)
      return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
    }
    for (const [name, t] of Object.entries(tps)) {
      const offTps = median(t.off)
      const onTps = median(t.on)
      // Each round runs off and on back to back (order alternating): the median of the rounds' own ratios
      // compares runs that met the same state of a shared machine, where the medians of the two columns
      // may pair a quiet minute with a busy one.
      const paired = median(t.on.map((on, i) => on / t.off[i]!))
      rows.push([
        name,
        `${offTps.toFixed(0)} tps`,
        `${onTps.toFixed(0)} tps`,
        (onTps / offTps).toFixed(3),
        paired.toFixed(3),
        `${t.off.map((x) => x.toFixed(0)).join(' ')} | ${t.on.map((x) => x.toFixed(0)).join(' ')}`,
      ])
    }
    printTable(rows)
    out.write(
      `\nburst: ${burst} denials from 4 clients through the gateway in ${(generatedMs / 1000).toFixed(1)} s (${(burst / (generatedMs / 1000)).toFixed(0)}/s); peak lag ${peakLag}\n`,
    )
    const sinkRows: string[][] = [
      ['sink', 'lag 0 after', 'burst entries/s', 'backlog at burst end', 'receiver count', 'dead-lettered'],
    ]
    for (const s of final) {
      const ms = doneMs[s.id]!
      sinkRows.push([
        receivers[s.id]?.label ?? s.id,
        `${(ms / 1000).toFixed(1)} s`,
        (burst / (ms / 1000)).toFixed(0),
        String(backlog[s.id]?.lag ?? 0),
        String(await receivers[s.id]?.received()),
        String((s as { deadLettered?: number }).deadLettered ?? 0),
      ])
    }
    printTable(sinkRows)
  } finally {
    for (const c of cleanup) await c().catch((e: unknown) => process.stderr.write(`cleanup: ${e}\n`))
  }
}

async function waitForDrain(tg: TaskgateProcess, since: number): Promise<void> {
  while (Date.now() - since < DRAIN_TIMEOUT_MS) {
    if ((await sinkStatus(tg)).every((s) => s.lag === 0)) return
    await sleep(100)
  }
  throw new Error('sinks did not catch up before the burst')
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`)
}

await main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`)
  process.exitCode = 1
})

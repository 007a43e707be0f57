// The HTTP data path: requests/s and p50 latency direct to an upstream, through a no-op Node.js HTTPS proxy
// (http-noop-proxy.ts, the floor of any Node.js proxy) and through taskgate (bearer login, normalisation,
// policy, recording; and with masking on), all in one run, driven by Debian's `wrk` (C, so the load
// generator takes little of the 2 cores the proxies need). Two upstreams: a fast Node server
// (http-upstream.ts) to expose the intermediaries' cost, and the tests' real one, python3-httpbin.
//   npx node bench/http-throughput.ts [--seconds 5] [--connections 16] [--workers 1]
// CPU/req sums the gateway's processes (the primary and any workers it forked).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuMs, freePort, ROOT, run, waitForPort } from './support.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
    // The gateway's processes (`workers`); 1 by default, as the no-op proxy is one process: CPU per request
    // then compares like with like (`auto` for the gateway's own default).
    workers: { type: 'string', default: '1' },
    // Only the cases whose name contains this (profiling one case: TASKGATE_BENCH_NODE_ARGS below).
    only: { type: 'string', default: '' },
  },
})
const SECONDS = Number(values.seconds)
const CONNECTIONS = Number(values.connections)
const NODE = join(ROOT, 'node_modules/.bin/node')

interface WrkResult {
  rps: number
  p50Us: number
  requests: number
  errors: number
}

function child(command: string, args: string[], quiet = false): ChildProcess {
  return spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', quiet ? 'ignore' : 'inherit'] })
}

async function stop(process: ChildProcess): Promise<void> {
  if (process.exitCode !== null) return
  process.kill('SIGTERM')
  await new Promise((r) => process.once('exit', r))
}

async function wrk(
  url: string,
  token: string | undefined,
  connections: number,
  seconds = SECONDS,
): Promise<WrkResult> {
  const threads = connections === 1 ? 1 : 2
  const args = ['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--latency']
  if (token) args.push('-H', `Authorization: Bearer ${token}`)
  const { stdout } = await run('wrk', [...args, url], { maxBuffer: 1 << 20 })
  const unit = (n: string, u: string) => Number(n) * (u === 's' ? 1e6 : u === 'ms' ? 1e3 : 1)
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s)$/m.exec(stdout)
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0),
    p50Us: p50 ? unit(p50[1]!, p50[2]!) : Number.NaN,
    requests: Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0),
    errors:
      Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0) +
      Number(
        /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/
          .exec(stdout)
          ?.slice(1)
          .reduce((a, b) => a + Number(b), 0) ?? 0,
      ),
  }
}

/** CPU time of a process and its children (the gateway's forked workers), in milliseconds. */
async function treeCpuMs(pid: number): Promise<number> {
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => ''))
    .split(' ')
    .filter(Boolean)
    .map(Number)
  const times = await Promise.all([pid, ...children].map((p) => cpuMs(p).catch(() => 0)))
  return times.reduce((a, b) => a + b, 0)
}

async function startTaskgate(dir: string, fastPort: number, httpbinPort: number) {
  const [apiPort, fast, masked, bin] = await Promise.all([freePort(), freePort(), freePort(), freePort()])
  const resource = (id: string, port: number, upstream: number) => `
  - id: ${id}
    kind: http
    listen: { host: 127.0.0.1, port: ${port} }
    target: { url: "http://127.0.0.1:${upstream}" }`
  await writeFile(
    join(dir, 'taskgate.yaml'),
    `
store: { dir: ${dir}/data }
api: { listen: { host: 127.0.0.1, port: ${apiPort} } }
limits: { sessionsPerGrant: 100 }
workers: ${values.workers === 'auto' ? 'auto' : Number(values.workers)}
resources:${resource('fast', fast, fastPort)}${resource('fast-masked', masked, fastPort)}${resource('httpbin', bin, httpbinPort)}
    clients: { maxConcurrentPerGrant: 256 }
agents: [{ name: bench-agent, groups: [agents] }]
policies: [{ group: agents, resources: ["*"], ceiling: ["*:*"], autoApprove: ["*:*"], maxTtl: 1d }]
masking: { rules: [{ id: pii, style: partial, detectors: [email], resources: [fast-masked] }] }
`,
  )
  // TASKGATE_BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the gateway under load.
  const nodeArgs = (process.env.TASKGATE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const gateway = spawn(NODE, [...nodeArgs, 'src/main.ts', '--config', join(dir, 'taskgate.yaml')], {
    cwd: ROOT,
    env: { ...process.env, TASKGATE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  for (const port of [apiPort, fast, masked, bin]) await waitForPort(port)
  const agentKey = (await readFile(join(dir, 'data/keys/bench-agent.key'), 'utf8')).trim()
  const token = async (resourceId: string) => {
    const res = await fetch(`http://127.0.0.1:${apiPort}/v1/grants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ resource: resourceId, scope: ['GET:/**'], task: 'benchmark', ttl: '1d' }),
    })
    const body = (await res.json()) as { credential?: { connection: { user: string; password: string } } }
    const c = body.credential?.connection
    if (!c) throw new Error(`grant failed: ${JSON.stringify(body)}`)
    return `${c.user}.${c.password}`
  }
  return { gateway, ports: { fast, masked, bin }, token }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-bench-http-'))
  const [fastPort, httpbinPort, noopFast, noopBin] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ])
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-keyout',
    join(dir, 'k.pem'),
    '-out',
    join(dir, 'c.pem'),
  ])
  const children = [
    child(NODE, ['bench/http-upstream.ts', String(fastPort)]),
    // Werkzeug logs every request to stderr: silenced.
    child(
      '/usr/bin/python3',
      ['-m', 'httpbin.core', '--host', '127.0.0.1', '--port', String(httpbinPort)],
      true,
    ),
    child(NODE, [
      'bench/http-noop-proxy.ts',
      String(noopFast),
      String(fastPort),
      join(dir, 'c.pem'),
      join(dir, 'k.pem'),
    ]),
    child(NODE, [
      'bench/http-noop-proxy.ts',
      String(noopBin),
      String(httpbinPort),
      join(dir, 'c.pem'),
      join(dir, 'k.pem'),
    ]),
  ]
  for (const port of [fastPort, httpbinPort, noopFast, noopBin]) await waitForPort(port)
  const tg = await startTaskgate(dir, fastPort, httpbinPort)
  try {
    const tokens = {
      fast: await tg.token('fast'),
      masked: await tg.token('fast-masked'),
      bin: await tg.token('httpbin'),
    }
    const path = '/v1/invoices/4711'
    const cases = [
      {
        name: 'fast upstream',
        path,
        direct: fastPort,
        noop: noopFast,
        taskgate: tg.ports.fast,
        token: tokens.fast,
      },
      {
        name: 'fast upstream, masking on',
        path,
        direct: fastPort,
        noop: noopFast,
        taskgate: tg.ports.masked,
        token: tokens.masked,
      },
      {
        name: 'httpbin /get',
        path: '/get',
        direct: httpbinPort,
        noop: noopBin,
        taskgate: tg.ports.bin,
        token: tokens.bin,
      },
    ]
    const chosen = cases.filter((c) => c.name.includes(values.only))
    const lines = [
      `${new Date().toISOString()}  node ${process.versions.node}  ${cpus().length} × ${cpus()[0]?.model.trim()}  wrk ${SECONDS}s per case, ${CONNECTIONS} connections (latency: 1)`,
      'case                         direct rps  no-op rps  taskgate rps  tg/direct  tg/no-op  p50 direct  no-op      taskgate   added p50 vs direct / vs no-op  CPU/req no-op / taskgate  CPU ratio (median of 3)  errors',
    ]
    // Warm-up: JIT, keep-alive pools and taskgate's first login per token happen before any measurement.
    for (const c of chosen) {
      await wrk(`http://127.0.0.1:${c.direct}${c.path}`, undefined, 4, 1)
      await wrk(`https://127.0.0.1:${c.noop}${c.path}`, undefined, 4, 1)
      await wrk(`https://127.0.0.1:${c.taskgate}${c.path}`, c.token, 4, 1)
    }
    for (const c of chosen) {
      const direct = await wrk(`http://127.0.0.1:${c.direct}${c.path}`, undefined, CONNECTIONS)
      const noopPid = c.noop === noopFast ? children[2]!.pid! : children[3]!.pid!
      const noopBefore = await cpuMs(noopPid)
      const noop = await wrk(`https://127.0.0.1:${c.noop}${c.path}`, undefined, CONNECTIONS)
      const noopCpu = (((await cpuMs(noopPid)) - noopBefore) * 1000) / Math.max(1, noop.requests)
      const before = await treeCpuMs(tg.gateway.pid!)
      const taskgate = await wrk(`https://127.0.0.1:${c.taskgate}${c.path}`, c.token, CONNECTIONS)
      const cpuPerReq =
        (((await treeCpuMs(tg.gateway.pid!)) - before) * 1000) / Math.max(1, taskgate.requests)
      // The machine's load changes between runs and CPU per request with it: two more short no-op /
      // taskgate pairs, back to back; the median of the three ratios is the figure to compare.
      const ratios = [cpuPerReq / noopCpu]
      for (let round = 0; round < 2; round++) {
        const a = await cpuMs(noopPid)
        const n = await wrk(`https://127.0.0.1:${c.noop}${c.path}`, undefined, CONNECTIONS, 2)
        const noopPerReq = ((await cpuMs(noopPid)) - a) / Math.max(1, n.requests)
        const b = await treeCpuMs(tg.gateway.pid!)
        const t = await wrk(`https://127.0.0.1:${c.taskgate}${c.path}`, c.token, CONNECTIONS, 2)
        ratios.push(((await treeCpuMs(tg.gateway.pid!)) - b) / Math.max(1, t.requests) / noopPerReq)
      }
      const cpuRatio = ratios.sort((x, y) => x - y)[1]!
      const l = {
        direct: await wrk(`http://127.0.0.1:${c.direct}${c.path}`, undefined, 1),
        noop: await wrk(`https://127.0.0.1:${c.noop}${c.path}`, undefined, 1),
        taskgate: await wrk(`https://127.0.0.1:${c.taskgate}${c.path}`, c.token, 1),
      }
      const us = (n: number) => `${Math.round(n)} µs`
      lines.push(
        [
          c.name.padEnd(28),
          String(Math.round(direct.rps)).padEnd(11),
          String(Math.round(noop.rps)).padEnd(10),
          String(Math.round(taskgate.rps)).padEnd(13),
          (taskgate.rps / direct.rps).toFixed(2).padEnd(10),
          (taskgate.rps / noop.rps).toFixed(2).padEnd(9),
          us(l.direct.p50Us).padEnd(11),
          us(l.noop.p50Us).padEnd(10),
          us(l.taskgate.p50Us).padEnd(10),
          `+${us(l.taskgate.p50Us - l.direct.p50Us)} / +${us(l.taskgate.p50Us - l.noop.p50Us)}`.padEnd(31),
          `${us(noopCpu)} / ${us(cpuPerReq)}`.padEnd(25),
          `${cpuRatio.toFixed(2)} ×`.padEnd(24),
          String(
            direct.errors +
              noop.errors +
              taskgate.errors +
              l.direct.errors +
              l.noop.errors +
              l.taskgate.errors,
          ),
        ].join(' '),
      )
    }
    console.log(lines.join('\n'))
  } finally {
    await stop(tg.gateway)
    for (const c of children) await stop(c)
    await rm(dir, { recursive: true, force: true })
  }
}

await main()

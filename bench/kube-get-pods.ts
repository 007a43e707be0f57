// Kubernetes data path: 1,000 `GET pods` (a namespace's list, as `kubectl get pods` asks it: a server-side
// printed Table, JSON) by kubectl-like clients (keep-alive HTTPS with a bearer token, as client-go holds its
// connection) straight to a real kube-apiserver and through taskgate (bearer session, classification as the
// API server reads the request, policy, recording, impersonation), alternating request by request in one run
// so load on the machine hits both alike; p50/p90 of each and the added p50. The gateway runs in this process
// (as main.ts runs it); kube-apiserver and etcd are real (test/support/start-kube-apiserver.ts).
//   node_modules/.bin/node bench/kube-get-pods.ts [--requests 1000] [--clients 1]

import { readFile } from 'node:fs/promises'
import https from 'node:https'
import { parseArgs } from 'node:util'
import { parse } from 'yaml'
import { startKubeApiserver } from '../test/support/start-kube-apiserver.ts'
import { startKubeGateway } from '../test/support/start-kube-gateway.ts'

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '1000' }, clients: { type: 'string', default: '1' } },
})
const REQUESTS = Number(values.requests)
const CLIENTS = Number(values.clients)
const ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'
const PATH = '/api/v1/namespaces/team-a/pods?limit=500'

interface Target {
  host: string
  port: number
  ca: string
  token: string
  agent: https.Agent
}

function get(t: Target): Promise<number> {
  const started = process.hrtime.bigint()
  return new Promise((resolve, reject) => {
    const req = https.get(
      {
        host: t.host,
        port: t.port,
        path: PATH,
        ca: t.ca,
        agent: t.agent,
        servername: 'localhost',
        headers: { authorization: `Bearer ${t.token}`, accept: ACCEPT, 'user-agent': 'kubectl-like-bench' },
      },
      (res) => {
        res.resume()
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
            : reject(new Error(`HTTP ${res.statusCode}`)),
        )
      },
    )
    req.on('error', reject)
  })
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

async function main(): Promise<void> {
  await using api = await startKubeApiserver()
  await using g = await startKubeGateway(api)
  await api.kubectl(['create', 'namespace', 'team-a'])
  for (let i = 0; i < 10; i++) await api.kubectl(['-n', 'team-a', 'run', `p${i}`, '--image=busybox'])
  const adminKc = parse(await readFile(api.adminKubeconfig, 'utf8')) as {
    users: Array<{ user: { token: string } }>
  }
  const { kubeconfig } = await g.grant('list:pods@team-a')
  const kc = parse(await readFile(kubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>
    users: Array<{ user: { token: string } }>
  }
  const gw = new URL(kc.clusters[0]!.cluster.server)
  const apiUrl = new URL(api.server)
  const direct: Target = {
    host: apiUrl.hostname,
    port: Number(apiUrl.port),
    ca: await readFile(api.caFile, 'utf8'),
    token: adminKc.users[0]!.user.token,
    agent: new https.Agent({ keepAlive: true }),
  }
  const gateway: Target = {
    host: gw.hostname,
    port: Number(gw.port),
    ca: Buffer.from(kc.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString(),
    token: kc.users[0]!.user.token,
    agent: new https.Agent({ keepAlive: true }),
  }
  for (let i = 0; i < 50; i++) await Promise.all([get(direct), get(gateway)]) // warm-up: connections, caches
  const times = { direct: [] as number[], gateway: [] as number[] }
  let errors = 0
  const perClient = Math.ceil(REQUESTS / CLIENTS)
  const client = async () => {
    for (let i = 0; i < perClient; i++) {
      for (const [name, target] of i % 2 === 0
        ? ([
            ['direct', direct],
            ['gateway', gateway],
          ] as const)
        : ([
            ['gateway', gateway],
            ['direct', direct],
          ] as const)) {
        try {
          times[name].push(await get(target))
        } catch {
          errors++
        }
      }
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, client))
  const d = times.direct.sort((a, b) => a - b)
  const t = times.gateway.sort((a, b) => a - b)
  const row = (name: string, s: number[]) =>
    `${name.padEnd(9)} n=${s.length} p50=${pct(s, 0.5).toFixed(2)} ms p90=${pct(s, 0.9).toFixed(2)} ms p99=${pct(s, 0.99).toFixed(2)} ms`
  console.log(`GET ${PATH} (10 pods, Table), ${CLIENTS} client(s), alternating`)
  console.log(row('direct', d))
  console.log(row('taskgate', t))
  console.log(
    `added p50 ${(pct(t, 0.5) - pct(d, 0.5)).toFixed(2)} ms, added p90 ${(pct(t, 0.9) - pct(d, 0.9)).toFixed(2)} ms, errors ${errors}`,
  )
  direct.agent.destroy()
  gateway.agent.destroy()
}

await main()

// ≥ 20 concurrent kubectl users for 60 s through taskgate to a real kube-apiserver, 0 errors expected (issue
// 14: hoop's Kubernetes proxy broke with 3-4 concurrent users). Each user is its own agent grant and
// kubeconfig (`taskgate grant kubeconfig`), running real kubectl in a loop: list pods, get one pod, list
// across namespaces (filtered), create/patch/delete a ConfigMap of its own, and a watch that lasts the whole
// run. A bench rather than part of `npm test`: 20 kubectl processes at once for a minute is most of the CI
// box's 2 cores. Exits 1 on any error.
//   node_modules/.bin/node bench/kube-concurrency.ts [--users 20] [--seconds 60]
import { spawn } from 'node:child_process'
import { parseArgs } from 'node:util'
import { startKubeApiserver } from '../test/support/start-kube-apiserver.ts'
import { startKubeGateway } from '../test/support/start-kube-gateway.ts'

const { values } = parseArgs({
  options: { users: { type: 'string', default: '20' }, seconds: { type: 'string', default: '60' } },
})
const USERS = Number(values.users)
const SECONDS = Number(values.seconds)

async function main(): Promise<number> {
  await using api = await startKubeApiserver()
  await using g = await startKubeGateway(api)
  await api.kubectl(['create', 'namespace', 'team-a'])
  await api.kubectl(['create', 'namespace', 'team-b'])
  await api.kubectl(['-n', 'team-a', 'run', 'web', '--image=busybox'])
  await api.kubectl(['-n', 'team-b', 'run', 'db', '--image=busybox'])
  const scope =
    'list:pods@team-a,get:pods@team-a,watch:pods@team-a,get:configmaps@team-a,create:configmaps@team-a,patch:configmaps@team-a,delete:configmaps@team-a'
  const users = []
  for (let i = 0; i < USERS; i++) users.push((await g.grant(scope)).kubeconfig)
  const deadline = Date.now() + SECONDS * 1000
  const failures: string[] = []
  let calls = 0
  let stopping = false
  const watches = users.map((kc) => {
    const w = spawn('kubectl', ['--kubeconfig', kc, '-n', 'team-a', 'get', 'pods', '--watch', '-o', 'name'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    w.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
    })
    w.on('close', (code) => {
      // kubectl exits 1 on the SIGTERM that ends the run; only an end before that is a failure.
      if (!stopping) failures.push(`watch ended early (${code}): ${stderr.slice(0, 300)}`)
    })
    return w
  })
  const user = async (kc: string, n: number) => {
    const steps: string[][] = [
      ['-n', 'team-a', 'get', 'pods'],
      ['-n', 'team-a', 'get', 'pod', 'web', '-o', 'name'],
      ['get', 'pods', '-A', '-o', 'name'],
      ['-n', 'team-a', 'create', 'configmap', `u${n}`, '--from-literal=k=v'],
      ['-n', 'team-a', 'patch', 'configmap', `u${n}`, '-p', '{"data":{"k":"w"}}'],
      ['-n', 'team-a', 'delete', 'configmap', `u${n}`],
    ]
    for (let i = 0; Date.now() < deadline; i++) {
      const args = steps[i % steps.length]!
      const r = await g.kubectl(kc, args)
      calls++
      if (r.code !== 0) failures.push(`user ${n}: kubectl ${args.join(' ')}: ${r.stderr.slice(0, 300)}`)
      if (args.includes('-A') && /team-b|pod\/db/.test(r.stdout)) failures.push(`user ${n}: saw team-b`)
    }
  }
  const started = Date.now()
  await Promise.all(users.map((kc, n) => user(kc, n)))
  const seconds = (Date.now() - started) / 1000
  stopping = true
  for (const w of watches) w.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 500))
  console.log(
    `${USERS} kubectl users, ${seconds.toFixed(0)} s: ${calls} kubectl calls (${(calls / seconds).toFixed(1)}/s) + ${USERS} watches open throughout; errors ${failures.length}`,
  )
  for (const f of failures.slice(0, 10)) console.log(`  ${f}`)
  return failures.length === 0 ? 0 : 1
}

process.exitCode = await main()

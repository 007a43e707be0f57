// A throwaway real Kubernetes control plane for tests: etcd (Debian's etcd-server) and kube-apiserver 1.20
// (built once by scripts/build-kube-apiserver.sh, cached outside the repository) on free ports, with
// generated certificates, RBAC on, static tokens for an admin (system:masters) and for the gateway's own
// identity (allowed to impersonate users and groups, nothing else), and an admin kubeconfig for setup.
// No kubelet or controller-manager runs: pods stay Pending, exec/logs reach no container (those paths are
// tested against the stand-in in kube-stream-stand-in.ts).
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import https from 'node:https'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './free-port.ts'

export { freePort }

const run = promisify(execFile)

export interface KubeApiserver extends AsyncDisposable {
  /** https://127.0.0.1:<port> */
  server: string
  /** The server's self-signed certificate (its own CA), PEM file. */
  caFile: string
  /** A kubeconfig for the admin (system:masters), for setup and checks. */
  adminKubeconfig: string
  /** The gateway's own bearer token (user `taskgate-gateway`, may only impersonate). */
  gatewayToken: string
  /** Runs kubectl as the admin; resolves with stdout. */
  kubectl(args: string[], input?: string): Promise<string>
}

/** Where the build script caches the binary (scripts/build-kube-apiserver.sh), or TASKGATE_KUBE_APISERVER. */
export function kubeApiserverBinary(): string {
  const cache =
    process.env.TASKGATE_KUBE_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'taskgate', 'kube-1.20')
  const bin = process.env.TASKGATE_KUBE_APISERVER ?? join(cache, 'kube-apiserver')
  if (!existsSync(bin)) {
    throw new Error(
      `kube-apiserver not found at ${bin}: run scripts/build-kube-apiserver.sh once (10-30 min; .ci/run does) or set TASKGATE_KUBE_APISERVER`,
    )
  }
  return bin
}

async function certificates(dir: string): Promise<void> {
  await run('openssl', [
    'req',
    '-new',
    '-x509',
    '-days',
    '2',
    '-nodes',
    '-subj',
    '/CN=kube-apiserver',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc',
    '-keyout',
    join(dir, 'server.key'),
    '-out',
    join(dir, 'server.crt'),
  ])
  await run('openssl', ['genrsa', '-out', join(dir, 'sa.key'), '2048'])
  await run('openssl', ['rsa', '-in', join(dir, 'sa.key'), '-pubout', '-out', join(dir, 'sa.pub')])
}

function startProcess(command: string, args: string[], log: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const keep = (chunk: Buffer) => {
    log.push(chunk.toString())
    if (log.length > 200) log.splice(0, log.length - 200)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  return child
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

/** Polls /readyz with the admin token until 200 (the server takes 4-30 s on a loaded machine). */
async function waitReady(port: number, ca: string, token: string, child: ChildProcess, log: string[]) {
  const deadline = Date.now() + 180_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`kube-apiserver exited:\n${log.join('').slice(-3000)}`)
    const status = await new Promise<number>((resolve) => {
      const req = https.get(
        { host: '127.0.0.1', port, path: '/readyz', ca, headers: { authorization: `Bearer ${token}` } },
        (res) => {
          res.resume()
          resolve(res.statusCode ?? 0)
        },
      )
      req.on('error', () => resolve(0))
      req.setTimeout(5000, () => req.destroy())
    })
    if (status === 200) return
    await new Promise((r) => setTimeout(r, 500))
  }
  throw new Error(`kube-apiserver not ready after 180 s:\n${log.join('').slice(-3000)}`)
}

const GATEWAY_RBAC = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: taskgate-impersonator }
rules:
  - apiGroups: [""]
    resources: [users, groups]
    verbs: [impersonate]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: taskgate-impersonator }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: taskgate-impersonator }
subjects:
  - { apiGroup: rbac.authorization.k8s.io, kind: User, name: taskgate-gateway }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: taskgate-grants }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects:
  - { apiGroup: rbac.authorization.k8s.io, kind: Group, name: "taskgate:grants" }
`

export async function startKubeApiserver(): Promise<KubeApiserver> {
  const binary = kubeApiserverBinary()
  const dir = await mkdtemp(join(tmpdir(), 'tg-kube-'))
  await certificates(dir)
  const suffix = Math.random().toString(36).slice(2, 10)
  const adminToken = `admin-${suffix}${suffix}`
  const gatewayToken = `gateway-${suffix}${suffix}`
  await writeFile(
    join(dir, 'tokens.csv'),
    `${adminToken},admin,admin,system:masters\n${gatewayToken},taskgate-gateway,taskgate-gateway\n`,
    { mode: 0o600 },
  )
  const log: string[] = []
  const [etcdClient, etcdPeer, port] = [await freePort(), await freePort(), await freePort()]
  const etcd = startProcess(
    'etcd',
    [
      '--data-dir',
      join(dir, 'etcd'),
      '--listen-client-urls',
      `http://127.0.0.1:${etcdClient}`,
      '--advertise-client-urls',
      `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls',
      `http://127.0.0.1:${etcdPeer}`,
      '--initial-advertise-peer-urls',
      `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster',
      `default=http://127.0.0.1:${etcdPeer}`,
    ],
    log,
  )
  const apiserver = startProcess(
    binary,
    [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      '--insecure-port=0',
      `--cert-dir=${dir}`,
      `--tls-cert-file=${join(dir, 'server.crt')}`,
      `--tls-private-key-file=${join(dir, 'server.key')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      '--service-cluster-ip-range=10.0.0.0/24',
      // No controller-manager creates the `default` service account a pod would otherwise need.
      '--disable-admission-plugins=ServiceAccount',
      '--enable-priority-and-fairness=false',
    ],
    log,
  )
  const dispose = async () => {
    await stop(apiserver)
    await stop(etcd)
    await rm(dir, { recursive: true, force: true })
  }
  const caFile = join(dir, 'server.crt')
  const server = `https://127.0.0.1:${port}`
  try {
    const { readFile } = await import('node:fs/promises')
    await waitReady(port, await readFile(caFile, 'utf8'), adminToken, apiserver, log)
  } catch (error) {
    await dispose()
    throw error
  }
  const adminKubeconfig = join(dir, 'admin.kubeconfig')
  await writeFile(
    adminKubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server, 'certificate-authority': caFile } }],
      users: [{ name: 'admin', user: { token: adminToken } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'admin' } }],
      'current-context': 'test',
    }),
    { mode: 0o600 },
  )
  const kubectl = (args: string[], input?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(
        'kubectl',
        ['--kubeconfig', adminKubeconfig, ...args],
        { maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) =>
          error
            ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || error.message}`))
            : resolve(stdout),
      )
      if (input !== undefined) child.stdin!.end(input)
    })
  try {
    await kubectl(['apply', '-f', '-'], GATEWAY_RBAC)
  } catch (error) {
    await dispose()
    throw error
  }
  return { server, caFile, adminKubeconfig, gatewayToken, kubectl, [Symbol.asyncDispose]: dispose }
}

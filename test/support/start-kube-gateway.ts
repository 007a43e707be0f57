// A whole gateway (startGateway, as `taskgate serve` runs it) with Kubernetes resources in front of a real
// kube-apiserver (start-kube-apiserver.ts), an agent whose policy auto-approves what it asks, an approver
// group for held requests, and kubectl run with a kubeconfig the real `taskgate grant kubeconfig` writes.
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { parseConfigText } from '../../src/config/load.ts'
import type { Grant, Principal } from '../../src/core/index.ts'
import { type Gateway, startGateway } from '../../src/main.ts'
import { runTaskgate } from './run-taskgate.ts'
import type { KubeApiserver } from './start-kube-apiserver.ts'

export interface KubectlRun {
  code: number
  stdout: string
  stderr: string
}

export interface KubeGateway extends AsyncDisposable {
  gateway: Gateway
  /** The resource whose grants the API server lets do anything (the gateway decides). */
  resourceId: string
  /** A resource whose grants' group has no RBAC rights at all: the API server refuses, naming the user. */
  powerlessId: string
  agent: Principal
  /** The agent's API key (for control-plane calls as the agent). */
  agentKey: string
  approver: Principal
  dir: string
  /** Requests a grant as the agent and writes its kubeconfig with the real CLI; returns both. */
  grant(scope: string, resourceId?: string): Promise<{ grant: Grant; kubeconfig: string }>
  /** Runs kubectl with a kubeconfig (never throws: exit code and output); `env` is added to this process's. */
  kubectl(
    kubeconfig: string,
    args: string[],
    input?: string,
    env?: Record<string, string>,
  ): Promise<KubectlRun>
}

export async function startKubeGateway(
  apiserver: Pick<KubeApiserver, 'server' | 'caFile' | 'gatewayToken'>,
  options: { clients?: string } = {},
): Promise<KubeGateway> {
  const suffix = randomBytes(3).toString('hex')
  const dir = await mkdtemp(join(tmpdir(), 'tg-kubegw-'))
  const tokenFile = join(dir, 'gateway-token')
  await writeFile(tokenFile, apiserver.gatewayToken, { mode: 0o600 })
  const resourceId = `k8s-${suffix}`
  const powerlessId = `k8s-none-${suffix}`
  const resource = (id: string, groups: string) => `
  - id: ${id}
    kind: kubernetes
    listen: { host: 127.0.0.1, port: 0 }
    target: { server: ${apiserver.server}, caFile: ${JSON.stringify(apiserver.caFile)}, token: { file: ${JSON.stringify(tokenFile)} } }
    impersonate: { groups: [${groups}] }${options.clients ? `\n    clients: ${options.clients}` : ''}`
  const config = parseConfigText(
    `
store: { dir: ${JSON.stringify(join(dir, 'data'))} }
api: { listen: { host: 127.0.0.1, port: 0 } }
agents:
  - { name: bot-${suffix}, groups: [agents-${suffix}] }
resources:${resource(resourceId, '"taskgate:grants"')}${resource(powerlessId, `"nobody-${suffix}"`)}
policies:
  - group: agents-${suffix}
    resources: ["*"]
    ceiling: ["*:*"]
    autoApprove: ["*:*"]
    approvers: [ops-${suffix}]
    maxTtl: 1h
guardrails:
  - id: no-dry-run-${suffix}
    description: server-side dry runs are not for this cluster (a test rule reading the request line)
    action: deny
    resources: [${resourceId}]
    match: { pattern: "dryRun=All" }
`,
    'kube-test.yaml',
  )
  const gateway = await startGateway({
    config,
    logger: pino({ level: process.env.TASKGATE_TEST_LOG ?? 'silent' }),
  })
  const principal = (name: string, group: string): Principal => ({
    id: `sa:${name}-${suffix}`,
    kind: 'agent',
    name: `${name}-${suffix}`,
    groups: [group],
    via: 'service-account',
  })
  const agent = principal(`bot`, `agents-${suffix}`)
  const agentKey = gateway.createdKeys.get(`bot-${suffix}`)!
  let files = 0
  return {
    gateway,
    resourceId,
    powerlessId,
    agent: { ...agent, id: `sa:bot-${suffix}`, name: `bot-${suffix}` },
    agentKey,
    approver: principal('ops', `ops-${suffix}`),
    dir,
    async grant(scope, id = resourceId) {
      const env = { TASKGATE_API: gateway.api.url, TASKGATE_TOKEN: agentKey }
      const requested = await runTaskgate(
        ['grant', 'request', id, '--scope', scope, '--task', 'kubernetes integration test', '--json'],
        { env },
      )
      if (requested.code !== 0) throw new Error(`grant request failed: ${requested.stderr}`)
      const grant = JSON.parse(requested.stdout) as Grant & { grant?: Grant }
      const granted = grant.grant ?? grant
      const kubeconfig = join(dir, `kc-${++files}`)
      const written = await runTaskgate(['grant', 'kubeconfig', granted.id, '--out', kubeconfig], { env })
      if (written.code !== 0) throw new Error(`grant kubeconfig failed: ${written.stderr}`)
      return { grant: granted, kubeconfig }
    },
    kubectl: (kubeconfig, args, input, env) =>
      new Promise((resolve) => {
        const child = execFile(
          'kubectl',
          ['--kubeconfig', kubeconfig, ...args],
          { maxBuffer: 128 * 1024 * 1024, timeout: 120_000, env: { ...process.env, ...env } },
          (error, stdout, stderr) =>
            resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        )
        if (input !== undefined) child.stdin!.end(input)
      }),
    async [Symbol.asyncDispose]() {
      await gateway.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Starts `kubectl … --watch` and collects its output until stopped. */
export function watchKubectl(kubeconfig: string, args: string[]) {
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c
  })
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c
  })
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)))
  return {
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    exited,
    /** Resolves once stdout matches (or rejects when kubectl exits first). */
    async until(pattern: RegExp): Promise<void> {
      while (!pattern.test(stdout)) {
        if (child.exitCode !== null) throw new Error(`kubectl exited ${child.exitCode}: ${stderr}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
    stop() {
      child.kill('SIGTERM')
      return exited
    },
  }
}

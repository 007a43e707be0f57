// A whole gateway (startGateway, as `taskgate serve` runs it) with one SSH resource in front of a
// throwaway Debian sshd (start-sshd.ts) that trusts the gateway's user CA, an agent whose policy
// auto-approves what it asks, and an approver group. Logins: `root` (the tests run as root) and `daemon`.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { Client, type ClientChannel } from 'ssh2'
import { parseConfigText } from '../../src/config/load.ts'
import type { Grant, IssuedCredential, Principal } from '../../src/core/index.ts'
import { generateEd25519, openSshPrivateKey, publicKeyLine } from '../../src/kinds/ssh-keys.ts'
import { type Gateway, startGateway } from '../../src/main.ts'
import { startSshd, type ThrowawaySshd } from './start-sshd.ts'

export interface SshGateway extends AsyncDisposable {
  gateway: Gateway
  sshd: ThrowawaySshd
  resourceId: string
  port: number
  dir: string
  agent: Principal
  approver: Principal
  admin: Principal
  /** The key of the configured agent (in the agents group), for the CLI. */
  agentKey: string
  /** `ssh-ed25519 AAAA…`: the gateway's host key for this resource. */
  hostKey(): Promise<string>
  grant(scope: string): Promise<{ grant: Grant; credential: IssuedCredential }>
  /** An ssh2 client logged in with the credential's password (user `[login+]credential`). */
  /** An ssh2 client logged in with `credential`; `port` instead of the gateway's (a balancer in front). */
  connect(credential: IssuedCredential, options?: { login?: string; port?: number }): Promise<Client>
}

export async function startSshGateway(
  options: {
    extraConfig?: string
    targetHostKey?: string
    sshdConfig?: string
    /** Default [root, daemon]. */
    logins?: string[]
    /** More of the listen flow mapping (`proxyProtocol: { trustedSources: [127.0.0.1] }`). */
    listenYaml?: string
  } = {},
): Promise<SshGateway> {
  const suffix = randomBytes(3).toString('hex')
  const resourceId = `ssh-${suffix}`
  const dir = await mkdtemp(join(tmpdir(), 'tg-ssh-'))
  const ca = generateEd25519()
  await writeFile(join(dir, 'ca'), openSshPrivateKey(ca), { mode: 0o600 })
  const sshd = await startSshd({
    trustedUserCaKeys: [publicKeyLine(ca.publicKey)],
    ...(options.sshdConfig ? { extraConfig: options.sshdConfig } : {}),
  })
  const config = parseConfigText(
    `
store: { dir: ${JSON.stringify(join(dir, 'data'))} }
api: { listen: { host: 127.0.0.1, port: 0 } }
agents:
  - { name: bot-${suffix}, groups: [agents-${suffix}] }
resources:
  - id: ${resourceId}
    kind: ssh
    listen: { host: 127.0.0.1, port: 0${options.listenYaml ? `, ${options.listenYaml}` : ''} }
    target: { host: 127.0.0.1, port: ${sshd.port}, hostKey: ${JSON.stringify(options.targetHostKey ?? sshd.hostKey)} }
    logins: [${(options.logins ?? ['root', 'daemon']).join(', ')}]
    upstreamAuth: { certificate: { ca: { file: ${JSON.stringify(join(dir, 'ca'))} } } }
policies:
  - group: agents-${suffix}
    resources: [${resourceId}]
    ceiling: ["*:*"]
    autoApprove: ["*:*"]
    approvers: [approvers-${suffix}]
    maxTtl: 1h
${options.extraConfig?.replaceAll('$APPROVERS', `approvers-${suffix}`) ?? ''}
`,
    'ssh-test.yaml',
  )
  const gateway = await startGateway({
    config,
    logger: pino({ level: process.env.TASKGATE_TEST_LOG ?? 'silent' }),
  })
  const port = gateway.resources.get(resourceId)!.port
  const principal = (name: string, group: string): Principal => ({
    id: `sa:${name}-${suffix}`,
    kind: 'agent',
    name: `${name}-${suffix}`,
    groups: [group],
    via: 'service-account',
  })
  const agent = principal('agent', `agents-${suffix}`)
  const clients: Client[] = []
  return {
    gateway,
    sshd,
    resourceId,
    port,
    dir,
    agent,
    approver: principal('approver', `approvers-${suffix}`),
    admin: { ...principal('admin', 'taskgate-admins'), kind: 'admin' },
    agentKey: gateway.createdKeys.get(`bot-${suffix}`)!,
    async hostKey() {
      const { publicLineOf } = await import('../../src/protocols/ssh/gateway-keys.ts')
      return publicLineOf(await readFile(join(dir, 'data', 'ssh', 'host_ed25519'), 'utf8'), 'test')
    },
    async grant(scope) {
      const result = await gateway.core.requestGrant(agent, {
        resourceId,
        scope,
        task: 'ssh test',
        ttl: '10m',
      })
      if (!result.credential) throw new Error(`grant not issued: ${result.grant.status}`)
      return { grant: result.grant, credential: result.credential }
    },
    connect(credential, connectOptions = {}) {
      const client = new Client()
      clients.push(client)
      const user = connectOptions.login
        ? `${connectOptions.login}+${credential.connection.user}`
        : credential.connection.user
      return new Promise((resolve, reject) => {
        client.once('ready', () => resolve(client))
        client.once('error', reject)
        client.connect({
          host: '127.0.0.1',
          port: connectOptions.port ?? port,
          username: user,
          password: credential.connection.password,
          ...(process.env.SSH_DEBUG ? { debug: (m: string) => console.log(m) } : {}),
        })
      })
    },
    async [Symbol.asyncDispose]() {
      for (const client of clients) client.end()
      await gateway.close()
      await sshd[Symbol.asyncDispose]()
      // A session's recording file can still be created as the gateway closes (seen once: ENOTEMPTY).
      await rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    },
  }
}

export interface ExecResult {
  stdout: string
  stderr: string
  code: number | null
  signal?: string
}

/** Runs one command on an ssh2 client; resolves when the channel closes. */
export function exec(client: Client, command: string, stdin?: string): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, channel: ClientChannel) => {
      if (error) return reject(error)
      let stdout = ''
      let stderr = ''
      let code: number | null = null
      let signal: string | undefined
      channel.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
      })
      channel.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      channel.on('exit', (c: number | null, s?: string) => {
        code = c
        signal = s
      })
      channel.on('close', () => resolve({ stdout, stderr, code, ...(signal ? { signal } : {}) }))
      if (stdin !== undefined) channel.end(stdin)
    })
  })
}

/** Resolves once `ready` holds (checked every 50 ms), or after `boundMs` either way: the assertions that
 * follow say what did not happen. A catastrophe bound, not a timing claim. */
export async function waitFor(ready: () => boolean | Promise<boolean>, boundMs: number): Promise<void> {
  const until = Date.now() + boundMs
  while (!(await ready()) && Date.now() < until) await sleep(50)
}

/** Promise.all, failing after `boundMs` with `describe(indexes still pending)` when some never settle: a
 * hang reports what hung. A catastrophe bound, not a timing claim. */
export async function allWithin<T>(
  promises: Promise<T>[],
  boundMs: number,
  describe: (pending: number[]) => string,
): Promise<T[]> {
  const settled = promises.map(() => false)
  const mark = (i: number) => () => {
    settled[i] = true
  }
  for (const [i, promise] of promises.entries()) promise.then(mark(i), mark(i))
  const bound = new AbortController()
  const expired = sleep(boundMs, undefined, { signal: bound.signal }).then(() => {
    throw new Error(describe(settled.flatMap((done, i) => (done ? [] : [i]))))
  })
  try {
    return await Promise.race([Promise.all(promises), expired])
  } finally {
    bound.abort()
    expired.catch(() => {})
  }
}

// A whole gateway (startGateway, as `taskgate serve` runs it) with one HTTP resource in front of a real
// upstream (httpbin by default), an agent whose policy auto-approves what it asks, and an approver group
// for held requests. Requests go through Node's fetch (undici) trusting the resource's generated
// certificate, or through curl with --cacert.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { Agent } from 'undici'
import { parseConfigText } from '../../src/config/load.ts'
import type { Grant, IssuedCredential, Principal } from '../../src/core/index.ts'
import { httpBearerToken } from '../../src/kinds/http.ts'
import { type Gateway, startGateway } from '../../src/main.ts'

export interface HttpGateway extends AsyncDisposable {
  gateway: Gateway
  resourceId: string
  port: number
  url: string
  dir: string
  /** The resource's generated certificate (PEM file), for curl --cacert. */
  caFile: string
  agent: Principal
  approver: Principal
  grant(scope: string): Promise<{ grant: Grant; credential: IssuedCredential; token: string }>
  /** fetch through the gateway, trusting its certificate; `token` as the bearer unless null. */
  fetch(path: string, token: string | null, init?: RequestInit): Promise<Response>
}

export async function startHttpGateway(options: {
  upstream: string
  /** Lines under the resource (indented 4), e.g. a credential or limits. */
  resourceExtra?: string
  /** Top-level configuration (guardrails, masking). $RES is the resource id, $APPROVERS the approver group. */
  extraConfig?: string
  /** Lines under the agents' policy (indented 4), e.g. a budget. */
  policyExtra?: string
  dir?: string
  /** More of the listen flow mapping (`proxyProtocol: { trustedSources: [127.0.0.1] }`). */
  listenYaml?: string
}): Promise<HttpGateway> {
  const suffix = randomBytes(3).toString('hex')
  const resourceId = `api-${suffix}`
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'tg-http-')))
  const config = parseConfigText(
    `
store: { dir: ${JSON.stringify(join(dir, 'data'))} }
api: { listen: { host: 127.0.0.1, port: 0 } }
agents:
  - { name: bot-${suffix}, groups: [agents-${suffix}] }
resources:
  - id: ${resourceId}
    kind: http
    listen: { host: 127.0.0.1, port: 0${options.listenYaml ? `, ${options.listenYaml}` : ''} }
    target:
      url: ${options.upstream}
${options.resourceExtra ?? ''}
policies:
  - group: agents-${suffix}
    resources: [${resourceId}]
    ceiling: ["*:*"]
    autoApprove: ["*:*"]
    approvers: [approvers-${suffix}]
    maxTtl: 1h
${options.policyExtra ?? ''}
${(options.extraConfig ?? '').replaceAll('$RES', resourceId).replaceAll('$APPROVERS', `approvers-${suffix}`)}
`,
    'http-test.yaml',
  )
  const gateway = await startGateway({
    config,
    logger: pino({ level: process.env.TASKGATE_TEST_LOG ?? 'silent' }),
  })
  const port = gateway.resources.get(resourceId)!.port
  const caFile = join(dir, 'data', 'tls', `${resourceId}.crt`)
  const dispatcher = new Agent({ connect: { ca: await readFile(caFile, 'utf8').catch(() => undefined) } })
  const principal = (name: string, group: string): Principal => ({
    id: `sa:${name}-${suffix}`,
    kind: 'agent',
    name: `${name}-${suffix}`,
    groups: [group],
    via: 'service-account',
  })
  const agent = principal('agent', `agents-${suffix}`)
  const url = `https://127.0.0.1:${port}`
  return {
    gateway,
    resourceId,
    port,
    url,
    dir,
    caFile,
    agent,
    approver: principal('approver', `approvers-${suffix}`),
    async grant(scope) {
      const result = await gateway.core.requestGrant(agent, {
        resourceId,
        scope,
        task: 'http test',
        ttl: '10m',
      })
      if (!result.credential) throw new Error(`grant not issued: ${result.grant.status}`)
      const c = result.credential
      return {
        grant: result.grant,
        credential: c,
        token: httpBearerToken(c.connection.user, c.connection.password),
      }
    },
    fetch(path, token, init = {}) {
      const headers = new Headers(init.headers)
      if (token !== null) headers.set('authorization', `Bearer ${token}`)
      return fetch(`${url}${path}`, { ...init, headers, dispatcher } as RequestInit)
    },
    async [Symbol.asyncDispose]() {
      await gateway.close()
      await dispatcher.close()
      if (!options.dir) await rm(dir, { recursive: true, force: true })
    },
  }
}

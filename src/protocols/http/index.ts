// The HTTP API engine for one resource: an HTTPS listener (https-listener.ts) whose requests and upgrades
// go through request-flow.ts to the upstream (forward.ts, upgrade.ts) with the gateway's own credential.
// The pieces a second HTTP-shaped engine reuses (Kubernetes) are exported from here.

import { readFile } from 'node:fs/promises'
import type { OutgoingHttpHeaders } from 'node:http'
import { join } from 'node:path'
import type { HttpResourceConfig, SecretRef } from '../../config/schema.ts'
import { type Core, parseDurationSeconds } from '../../core/index.ts'
import { loadOrCreateCertificate } from '../kit/certificate.ts'
import type { EngineOptions, ProtocolServer } from '../protocol-server.ts'
import { reclassifyRecorded } from './classify.ts'
import { createUpstream, type Upstream } from './forward.ts'
import { GrantSessions } from './grant-sessions.ts'
import { HttpsListener } from './https-listener.ts'
import { HttpRequestFlow } from './request-flow.ts'

export { type CertificatePair, loadOrCreateCertificate } from '../kit/certificate.ts'
export { classifyRequest, HTTP_METHODS } from './classify.ts'
export { createUpstream, forwardRequest, type Upstream } from './forward.ts'
export { bearerToken, type GrantSession, GrantSessions } from './grant-sessions.ts'
export {
  clientResponseHeaders,
  connectionTokens,
  isIdentityHeader,
  recordedHeaders,
  upstreamRequestHeaders,
} from './headers.ts'
export { HttpsListener, type HttpsListenerOptions } from './https-listener.ts'
export { normalizeTarget, UnnormalizablePath } from './normalize-path.ts'
export { deniedProblem, errorProblem, problem, problemOnSocket, sendProblem } from './problem.ts'
export { recordExchange } from './record.ts'
export { sendResponse } from './respond.ts'
export { relayUpgrade } from './upgrade.ts'

const ms = (duration: string) => parseDurationSeconds(duration) * 1000

export function createHttpServer(options: EngineOptions<HttpResourceConfig>): ProtocolServer {
  const { core, resource, logger } = options
  let listener: HttpsListener | undefined
  let upstream: Upstream | undefined
  const sessions = new GrantSessions({
    core,
    resourceId: resource.id,
    protocol: 'http',
    logger,
    maxConcurrentPerGrant: resource.clients.maxConcurrentPerGrant,
  })

  return {
    name: `http:${resource.id}`,
    async listen() {
      const certificate = await loadOrCreateCertificate({
        configured: resource.tls,
        dir: join(core.config.store.dir, 'tls'),
        id: resource.id,
        hosts: [resource.listen.host],
      })
      const credential = resource.target.credential
      upstream = createUpstream({
        url: resource.target.url,
        ...(resource.target.caFile ? { caFile: resource.target.caFile } : {}),
        ...(credential?.type === 'mtls'
          ? {
              clientCert: {
                cert: await readFile(credential.cert, 'utf8'),
                key: await readFile(credential.key, 'utf8'),
              },
            }
          : {}),
        connectTimeoutMs: ms(resource.target.connectTimeout),
        responseTimeoutMs: ms(resource.target.responseTimeout),
        maxSockets: resource.target.maxSockets,
      })
      const flow = new HttpRequestFlow({
        core,
        logger,
        sessions,
        upstream,
        credentialHeaders: await credentialHeaders(resource, options.resolveSecret),
        headerPolicy: { extraStrip: new Set(resource.clients.stripHeaders.map((h) => h.toLowerCase())) },
        pathParameters: resource.clients.pathParameters,
        inspectBodies: bodyRulesInForce(core, resource.id),
        maxInspectBytes: resource.clients.maxInspectBytes,
        maxMaskBytes: resource.clients.maxMaskBytes,
      })
      listener = new HttpsListener({
        listen: resource.listen,
        ...(options.reusePort ? { reusePort: true } : {}),
        logger,
        cert: certificate.cert,
        key: certificate.key,
        maxHeaderBytes: resource.clients.maxHeaderBytes,
        headersTimeoutMs: ms(resource.clients.headersTimeout),
        requestTimeoutMs: ms(resource.clients.requestTimeout),
        onRequest: (req, res) => flow.request(req, res),
        onUpgrade: (req, socket, head) => flow.upgrade(req, socket, head),
      })
      core.registerReclassifier('http', reclassifyRecorded)
      logger.info({ certificate: certificate.certFile }, 'client certificate')
      const address = await listener.listen()
      // A generated certificate is its own CA: credentials carry it so the CLI can write it for curl
      // (--cacert). A configured one is trusted however its issuer is.
      return resource.tls ? address : { ...address, certificateAuthority: certificate.cert }
    },
    drain: async () => {
      await listener?.drain()
    },
    async close() {
      await listener?.close()
      await sessions.close()
      upstream?.close()
    },
  }
}

/** The upstream credential as headers; read once at start (a rotated secret needs a restart). */
async function credentialHeaders(
  resource: HttpResourceConfig,
  resolveSecret: (ref: SecretRef, where: string) => Promise<string>,
): Promise<OutgoingHttpHeaders> {
  const credential = resource.target.credential
  const where = `resources.${resource.id}.target.credential`
  switch (credential?.type) {
    case 'header':
      return { [credential.name.toLowerCase()]: await resolveSecret(credential.value, `${where}.value`) }
    case 'bearer':
      return { authorization: `Bearer ${await resolveSecret(credential.token, `${where}.token`)}` }
    case 'basic': {
      const password = await resolveSecret(credential.password, `${where}.password`)
      return { authorization: `Basic ${Buffer.from(`${credential.user}:${password}`).toString('base64')}` }
    }
    default:
      return {}
  }
}

/** Whether a guardrail on this resource reads the JSON body (a `body:` trait): bodies are then read. */
function bodyRulesInForce(core: Core, resourceId: string): boolean {
  return core.config.guardrails.some(
    (g) =>
      g.action !== 'off' &&
      (g.resources.includes('*') || g.resources.includes(resourceId)) &&
      (g.match.traits ?? []).some((t) => t.startsWith('body:')),
  )
}

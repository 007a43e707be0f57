// The Kubernetes engine for one resource, on the HTTP engine's pieces (http/index.ts: HTTPS listener with
// its deadlines, the certificate kept under <store.dir>/tls, one bearer-token session per grant credential
// for the whole task): each request classified as the API server reads it (request-info.ts, classify.ts),
// decided by core through the session's action gate, and forwarded to the real API server with the
// gateway's own credential plus Impersonate-User/Group for the grant (back.ts); exec, attach and
// port-forward upgrade to WebSocket or SPDY (streams.ts). Denials are Kubernetes Status objects (errors.ts).
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { KubernetesResourceConfig, SecretRef } from '../../config/schema.ts'
import { type Core, parseScope } from '../../core/index.ts'
import { GrantSessions, HttpsListener, loadOrCreateCertificate } from '../http/index.ts'
import type { ProtocolServer } from '../protocol-server.ts'
import { createUpstream } from './back.ts'
import { kubernetesPlanStatements } from './plan.ts'
import { kubernetesReclassifier } from './replay.ts'
import { type KubeServeContext, serveRequest } from './serve-request.ts'
import { serveUpgrade } from './streams.ts'

export interface KubernetesServerOptions {
  core: Core
  resource: KubernetesResourceConfig
  logger: Logger
  resolveSecret: (ref: SecretRef, where: string) => Promise<string>
  reusePort?: boolean
}

/** Discovery, the OpenAPI document, the version and health: what kubectl reads before any request and what
 * names no object, implied for every grant (`kubectl auth can-i --list` shows the same for any user). */
export const KUBERNETES_IMPLICIT_SCOPE = {
  allow: parseScope(
    'get:/api,get:/api/**,get:/apis,get:/apis/**,get:/version,get:/version/,get:/openapi/**,get:/healthz,get:/livez,get:/readyz',
  ),
  except: [],
}

/** A kubectl request head is small; a large one is not kubectl. */
const MAX_HEADER_BYTES = 64 * 1024

export function createKubernetesServer(options: KubernetesServerOptions): ProtocolServer {
  const { core, resource, logger } = options
  const sessions = new GrantSessions({
    core,
    resourceId: resource.id,
    protocol: 'kubernetes',
    logger,
    maxConcurrentPerGrant: resource.clients.maxRequestsPerGrant,
  })
  let listener: HttpsListener | undefined

  return {
    name: `kubernetes:${resource.id}`,
    async listen() {
      const certificate = await loadOrCreateCertificate({
        configured: resource.tls,
        dir: join(core.config.store.dir, 'tls'),
        id: resource.id,
        hosts: [resource.listen.host, ...(resource.listen.advertise ? [resource.listen.advertise.host] : [])],
      })
      const ctx: KubeServeContext = {
        core,
        logger,
        upstream: await createUpstream(resource, options.resolveSecret),
        sessions,
        streams: new Map(),
        maxStreamsPerGrant: resource.clients.maxStreamsPerGrant,
        maxRecordingBytes: resource.recording.maxBytes,
      }
      core.registerImplicitScope('kubernetes', KUBERNETES_IMPLICIT_SCOPE)
      core.registerReclassifier('kubernetes', kubernetesReclassifier)
      core.registerPlanner('kubernetes', kubernetesPlanStatements)
      listener = new HttpsListener({
        listen: resource.listen,
        ...(options.reusePort ? { reusePort: true } : {}),
        logger,
        cert: certificate.cert,
        key: certificate.key,
        maxHeaderBytes: MAX_HEADER_BYTES,
        headersTimeoutMs: 30_000,
        // Receiving a request (its body included): an apply of a large manifest on a slow link fits; a watch's
        // or an exec's lifetime is not bounded by it (only receiving the request is).
        requestTimeoutMs: 300_000,
        onRequest: (req, res) => serveRequest(ctx, req, res),
        onUpgrade: (req, socket, head) => serveUpgrade(ctx, req, socket, head),
      })
      const address = await listener.listen()
      return { ...address, certificateAuthority: certificate.cert }
    },
    drain: async () => listener?.drain(),
    async close() {
      await sessions.close()
      await listener?.close()
    },
  }
}

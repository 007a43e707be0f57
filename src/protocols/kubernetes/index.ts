// The Kubernetes engine for one resource: an HTTPS listener kubectl talks to with the bearer token of a grant
// credential (`taskgate grant kubeconfig`), one login per credential for the whole task (logins.ts), each
// request classified as the API server reads it (request-info.ts, classify.ts), decided by core through the
// kit's action gate, and forwarded to the real API server with the gateway's own credential plus
// Impersonate-User/Group for the grant (back.ts); exec, attach and port-forward upgrade to WebSocket or SPDY
// (streams.ts). Denials are Kubernetes Status objects (errors.ts).
import https from 'node:https'
import type net from 'node:net'
import type { Logger } from 'pino'
import type { KubernetesResourceConfig, SecretRef } from '../../config/schema.ts'
import { type Core, parseScope } from '../../core/index.ts'
import type { ProtocolServer } from '../protocol-server.ts'
import { createUpstream } from './back.ts'
import { servingCertificate } from './certificate.ts'
import { KubeLogins } from './logins.ts'
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
    'get:/api,get:/api/*,get:/apis,get:/apis/*,get:/version,get:/version/,get:/openapi/*,get:/healthz,get:/livez,get:/readyz',
  ),
  except: [],
}

export function createKubernetesServer(options: KubernetesServerOptions): ProtocolServer {
  const { core, resource, logger } = options
  const logins = new KubeLogins({ core, resourceId: resource.id, logger })
  const sockets = new Set<net.Socket>()
  let server: https.Server | undefined
  let ctx: KubeServeContext | undefined

  const fail = (error: unknown) => logger.error({ err: String(error) }, 'kubernetes request failed')

  return {
    name: `kubernetes:${resource.id}`,
    async listen() {
      const certificate = await servingCertificate(resource)
      ctx = { core, logger, upstream: await createUpstream(resource, options.resolveSecret), logins }
      core.registerImplicitScope('kubernetes', KUBERNETES_IMPLICIT_SCOPE)
      const context = ctx
      server = https.createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
        serveRequest(context, req, res).catch((error: unknown) => {
          fail(error)
          res.destroy()
        })
      })
      server.on('upgrade', (req, socket: net.Socket, head: Buffer) => {
        serveUpgrade(context, resource.clients.maxStreamsPerGrant, req, socket, head).catch(
          (error: unknown) => {
            fail(error)
            socket.destroy()
          },
        )
      })
      server.on('connection', (socket: net.Socket) => {
        socket.setNoDelay(true)
        sockets.add(socket)
        socket.on('close', () => sockets.delete(socket))
      })
      server.on('tlsClientError', (error) => logger.debug({ err: error.message }, 'TLS handshake failed'))
      const s = server
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject)
        s.listen(
          { host: resource.listen.host, port: resource.listen.port, reusePort: options.reusePort ?? false },
          () => {
            s.off('error', reject)
            resolve()
          },
        )
      })
      const port = (s.address() as net.AddressInfo).port
      return { host: resource.listen.host, port, certificateAuthority: certificate.authority }
    },
    async drain() {
      if (server?.listening) server.close()
      // Watches and exec streams do not end on their own soon; main.ts bounds this wait, then closes.
      await new Promise<void>((resolve) => {
        const check = () => (sockets.size === 0 ? resolve() : setTimeout(check, 200).unref())
        check()
      })
    },
    async close() {
      const closed = server?.listening
        ? new Promise<void>((resolve) => server!.close(() => resolve()))
        : Promise.resolve()
      await logins.close('gateway shutting down')
      for (const socket of sockets) socket.destroy()
      ctx?.upstream.agent.destroy()
      await closed
    },
  }
}

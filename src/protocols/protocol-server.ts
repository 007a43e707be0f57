import type { Logger } from 'pino'
import type { SecretRef } from '../config/schema.ts'
import type { Core } from '../core/index.ts'

/** What main.ts starts and stops for each configured resource, whatever its protocol. */
export interface ProtocolServer {
  /** `<protocol>:<resource id>`, for logs. */
  readonly name: string
  /** Starts accepting clients; resolves with the address actually bound (port 0 picks one) and, for an HTTPS
   * engine whose certificate clients must be given (Kubernetes), that certificate's CA (PEM). */
  listen(): Promise<{ host: string; port: number; certificateAuthority?: string; hostKey?: string }>
  /** Stops accepting new clients; resolves once every client already connected has left on its own (a
   * shutdown's drain: main.ts bounds the wait, then calls close()). */
  drain(): Promise<void>
  /** Stops accepting, closes live sessions and releases resources. */
  close(): Promise<void>
}

/** The other gateway processes of a multi-process gateway (main.ts `workers`): best-effort messages, for
 * state the store does not share (e.g. which process holds a PostgreSQL session's cancel key). */
export interface ProcessPeers {
  /** Sends to every other gateway process. */
  broadcast(topic: string, payload: unknown): void
  on(topic: string, handler: (payload: unknown) => void): void
}

/** What main.ts gives every engine for one configured resource (engines.ts adapts it to each engine). */
export interface EngineOptions<Resource> {
  core: Core
  resource: Resource
  logger: Logger
  /** Reads a secret reference from the configuration (config/load.ts's). */
  resolveSecret: (ref: SecretRef, where: string) => Promise<string>
  /** Listen with SO_REUSEPORT, sharing the port with the other gateway processes. */
  reusePort?: boolean
  peers?: ProcessPeers
}

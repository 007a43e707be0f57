// What the PostgreSQL engine (index.ts) hands one relay session (session.ts).
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import type { Core, SessionHandle } from '../../core/index.ts'
import type { SchemaChanges } from '../kit/schema-changes.ts'
import type { Classifier } from './classify.ts'
import type { FunctionNames } from './function-names.ts'
import type { RowEstimator } from './row-estimator.ts'
import type { TableCatalog } from './table-catalog.ts'
import type { StopBackend } from './upstream-stop.ts'

export interface RelayOptions {
  core: Core
  handle: SessionHandle
  client: Duplex
  upstream: Duplex
  logger: Logger
  maxMessageBytes: number
  limits: ClientLimits
  classifier: Classifier
  /** The resource's table names and COPY columns, for masking. */
  catalog?: TableCatalog
  /** The resource's schema changes: a statement that may change a relation moves it (kit/schema-changes.ts). */
  changes?: SchemaChanges
  /** Row estimates for guardrails with `rowsOver`; without it every estimate is unknown. */
  estimator?: RowEstimator
  /** Names of function OIDs, for FunctionCall messages; without it every FunctionCall is denied. */
  functions?: FunctionNames
  /** Stops the upstream backend's work when the session is ended under it (stop-backend.ts). */
  stopUpstream?: StopBackend
  /** Takes the upstream connection when the client ends cleanly (Terminate, idle, nothing in flight), to
   * reset and reuse it; without it the upstream connection is always ended. */
  release?: (upstream: Duplex) => void
}

/** What one client may ask of the gateway (resources[].clients in the configuration). */
export interface ClientLimits {
  /** A message must arrive whole within this long of its first bytes (a client stalling inside a large
   * one would hold its buffer and the session for ever). */
  incompleteMessageTimeoutMs: number
  /** Longest statement text (a Query's, a Parse's) that is classified; parsing costs ≈1 s per MB of the
   * gateway's one thread. */
  maxStatementBytes: number
  /** Most statements one query string may hold. */
  maxStatementsPerQuery: number
}

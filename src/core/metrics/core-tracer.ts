// What core tells a tracing backend (src/telemetry/ implements it with the OpenTelemetry SDK; main.ts wires
// it when `telemetry.traces` is on). Control-plane operations and data-path logins only, never a statement:
// the per-statement path calls nothing here. Span names and attribute keys are closed sets of ids and
// enums, so a credential, key, token, statement text or masked value has no place to go (docs/traces.md).
import type { GrantStatus } from '../grants/grant.ts'

export type SpanName =
  | 'taskgate.grant.request'
  | 'taskgate.grant.revoke'
  | 'taskgate.grant.end'
  | 'taskgate.grant.expire'
  | 'taskgate.action.hold'
  /** An approver's verdict on a grant request or a held action (`taskgate.approval.subject`). */
  | 'taskgate.approval.approve'
  | 'taskgate.approval.deny'
  | 'taskgate.approval.expire'
  | 'taskgate.login'

export interface TraceAttributes {
  'taskgate.resource.id'?: string
  /** The resource's kind, which names its wire protocol (postgres, mysql, ssh, http, kubernetes). */
  'taskgate.protocol'?: string
  'taskgate.grant.id'?: string
  'taskgate.grant.status'?: GrantStatus
  'taskgate.approval.id'?: string
  'taskgate.approval.subject'?: 'grant' | 'action'
  'taskgate.session.id'?: string
  'taskgate.principal.kind'?: string
  /** How the operation ended, in a word (`succeeded`, `refused`, `denied`, `pending`, …). */
  'taskgate.outcome'?: string
  /** The stable error code (`TG_…`) of an operation that failed (setting it marks the span failed); never
   * its message. */
  'taskgate.error.code'?: string
}

export interface TracedOperation {
  set(attributes: TraceAttributes): void
}

export interface StoreOperationSpan {
  end(error?: unknown): void
}

export interface CoreTracer {
  /** Runs `run` in a span, a child of the active one (the API request's, when there is one). A throw ends
   * the span as failed with the error's code and is rethrown unchanged. */
  span<T>(name: SpanName, attributes: TraceAttributes, run: (span: TracedOperation) => Promise<T>): Promise<T>
  /** A span for one store operation (`grants.get`), only inside an active span: a store call belongs to the
   * operation that made it, and the sweeper's and recorder's calls outside one are not traced. */
  storeOperation(operation: string): StoreOperationSpan | undefined
}

const NO_OPERATION: TracedOperation = { set() {} }

export const NO_TRACER: CoreTracer = {
  span: (_name, _attributes, run) => run(NO_OPERATION),
  storeOperation: () => undefined,
}

import type { AuditEntry } from '../events.ts'

export type AuditSinkKind = 'syslog' | 'webhook' | 'otlp' | 'jsonl'

/** One place audit entries go. `deliver` resolves only once the receiver has the whole batch. */
export interface AuditSink {
  readonly id: string
  readonly kind: AuditSinkKind
  readonly batchSize: number
  /** Answers refusing a batch before it is dead-lettered; undefined: retried without limit. */
  readonly maxAttempts?: number
  /** Sends the entries in seq order; throws SinkDeliveryError (or any error: an outage) otherwise. */
  deliver(entries: readonly AuditEntry[]): Promise<void>
  close(): Promise<void>
}

/**
 * Why a batch did not arrive. `refused`: the receiver answered and said no (counts toward dead-lettering;
 * `final` when the same batch would be refused again). Anything else is an outage, retried without limit.
 */
export class SinkDeliveryError extends Error {
  readonly refused: boolean
  readonly final: boolean
  constructor(reason: string, options: { refused?: boolean; final?: boolean } = {}) {
    super(reason)
    this.name = 'SinkDeliveryError'
    this.refused = options.refused ?? false
    this.final = options.final ?? false
  }
}

/** A short cause for status and logs: an error code or kind, never a message that may quote a URL. */
export function describeSinkFailure(error: unknown): string {
  if (error instanceof SinkDeliveryError) return error.message
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out'
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code === 'string') return code
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause
  if (cause && typeof cause.code === 'string') return cause.code
  return error instanceof Error ? error.name : 'unknown error'
}

// OpenTelemetry logs over OTLP/HTTP, JSON encoding.
import type { Clock } from '../../../clock.ts'
import type { AuditEntry } from '../../events.ts'
import { type AuditSink, SinkDeliveryError } from '../audit-sink.ts'
import { createHttpPoster } from './http-post.ts'
import { buildOtlpLogsRequest, rejectedLogRecords } from './otlp-logs.ts'

export interface OtlpSinkOptions {
  id: string
  batchSize: number
  maxAttempts: number
  url: string
  authorization?: string
  ca?: string
  timeoutMs: number
  clock: Clock
}

export function createOtlpSink(options: OtlpSinkOptions): AuditSink {
  const poster = createHttpPoster({
    url: options.url,
    timeoutMs: options.timeoutMs,
    ...(options.ca ? { ca: options.ca } : {}),
  })
  return {
    id: options.id,
    kind: 'otlp',
    batchSize: options.batchSize,
    maxAttempts: options.maxAttempts,
    async deliver(entries: readonly AuditEntry[]) {
      const answer = await poster.post(buildOtlpLogsRequest(entries, options.clock.now()), {
        'content-type': 'application/json',
        'user-agent': 'taskgate-audit-export',
        ...(options.authorization ? { authorization: options.authorization } : {}),
      })
      // OTLP: a partial success must not be retried; the rejected records would be rejected again.
      const rejected = rejectedLogRecords(answer)
      if (rejected > 0)
        throw new SinkDeliveryError(`collector rejected ${rejected} records`, { refused: true, final: true })
    },
    close: () => poster.close(),
  }
}

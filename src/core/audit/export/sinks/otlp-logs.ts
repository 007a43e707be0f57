// An OTLP/HTTP JSON ExportLogsServiceRequest (opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
// small enough to write by hand, and stable where the JS exporters' APIs are not.
import { hostname } from 'node:os'
import type { AuditEntry } from '../../events.ts'
import { toEcsDocument } from '../ecs-document.ts'

type AnyValue = { stringValue: string } | { intValue: string }
interface KeyValue {
  key: string
  value: AnyValue
}

/** OTel log severity numbers (logs data model): INFO and WARN. */
const SEVERITY_INFO = 9
const SEVERITY_WARN = 13

const str = (key: string, value: string): KeyValue => ({ key, value: { stringValue: value } })

function attributesOf(entry: AuditEntry): KeyValue[] {
  const doc = toEcsDocument(entry)
  const attributes = [
    str('event.action', doc.event.action),
    str('event.outcome', doc.event.outcome),
    str('event.category', doc.event.category.join(',')),
    { key: 'event.sequence', value: { intValue: String(entry.seq) } },
    str('event.dataset', doc.event.dataset),
    str('user.id', entry.actor),
    str('taskgate.hash', entry.hash),
    str('taskgate.prev_hash', entry.prevHash),
  ]
  if (entry.subject !== undefined) attributes.push(str('taskgate.subject', entry.subject))
  if (entry.data !== undefined) attributes.push(str('taskgate.data', JSON.stringify(entry.data)))
  return attributes
}

export function buildOtlpLogsRequest(entries: readonly AuditEntry[], observedAt: Date): string {
  const observedTimeUnixNano = String(BigInt(observedAt.getTime()) * 1_000_000n)
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [str('service.name', 'taskgate'), str('host.name', hostname())] },
        scopeLogs: [
          {
            scope: { name: 'taskgate.audit' },
            logRecords: entries.map((entry) => {
              const failure = toEcsDocument(entry).event.outcome === 'failure'
              return {
                timeUnixNano: String(BigInt(entry.at.getTime()) * 1_000_000n),
                observedTimeUnixNano,
                severityNumber: failure ? SEVERITY_WARN : SEVERITY_INFO,
                severityText: failure ? 'WARN' : 'INFO',
                eventName: entry.type,
                body: { stringValue: toEcsDocument(entry).message },
                attributes: attributesOf(entry),
              }
            }),
          },
        ],
      },
    ],
  })
}

/** Records the collector refused (partialSuccess.rejectedLogRecords), 0 when the answer says none. */
export function rejectedLogRecords(answer: string): number {
  if (!answer.trim()) return 0
  try {
    const parsed = JSON.parse(answer) as { partialSuccess?: { rejectedLogRecords?: unknown } }
    return Number(parsed.partialSuccess?.rejectedLogRecords ?? 0) || 0
  } catch {
    return 0
  }
}

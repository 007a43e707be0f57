// RFC 5424 syslog messages with structured data, framed by octet counting (RFC 6587 §3.4.1, required by
// RFC 5425 for TLS). Small enough to own: syslog-client writes neither structured data nor TLS.
import type { AuditEntry } from '../events.ts'
import { toEcsDocument } from './ecs-document.ts'

export interface SyslogOptions {
  facility: number
  appName: string
  hostName: string
  procId: string
  enterpriseId: string
}

/** RFC 5424 §6.2.1 severities: a failure is a warning, the rest notices. */
const SEVERITY_WARNING = 4
const SEVERITY_NOTICE = 5
/** RFC 5424 §6.4: a MSG starting with a BOM is UTF-8. */
const BOM = '\uFEFF'

/** A header field: printable US-ASCII without spaces, at most `max` characters, `-` when empty. */
function headerField(value: string, max: number): string {
  const cleaned = value.replace(/[^!-~]/g, '').slice(0, max)
  return cleaned === '' ? '-' : cleaned
}

/** RFC 5424 §6.3.3: inside PARAM-VALUE, `"`, `\` and `]` are escaped with a backslash. */
export function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`)
}

/** One RFC 5424 message: header, `[taskgate@N ...]` structured data, and the ECS document as MSG. */
export function formatSyslogMessage(entry: AuditEntry, options: SyslogOptions): string {
  const doc = toEcsDocument(entry, options.hostName)
  const severity = doc.event.outcome === 'failure' ? SEVERITY_WARNING : SEVERITY_NOTICE
  const params: Array<[string, string]> = [
    ['seq', String(entry.seq)],
    ['action', entry.type],
    ['outcome', doc.event.outcome],
    ['actor', entry.actor],
  ]
  if (entry.subject !== undefined) params.push(['subject', entry.subject])
  params.push(['hash', entry.hash])
  const sd = `[taskgate@${options.enterpriseId} ${params.map(([k, v]) => `${k}="${escapeParamValue(v)}"`).join(' ')}]`
  const header = [
    `<${options.facility * 8 + severity}>1`,
    entry.at.toISOString(),
    headerField(options.hostName, 255),
    headerField(options.appName, 48),
    headerField(options.procId, 128),
    headerField(entry.type, 32),
  ].join(' ')
  return `${header} ${sd} ${BOM}${JSON.stringify(doc)}`
}

/** RFC 6587 octet counting: the message's length in bytes, a space, the message. */
export function frameOctetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8')
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body])
}

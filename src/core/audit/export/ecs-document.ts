// Audit entries as Elastic Common Schema documents (ECS 8.x, elastic.co/guide/en/ecs): the one shape every
// sink sends, so a SIEM parses one field set whichever way the entries arrive. docs/audit-export.md lists
// the mapping; fields ECS has no name for live under `taskgate.*`.
import type { AuditEntry, AuditEventType } from '../events.ts'

const ECS_VERSION = '8.11.0'

export interface EcsDocument {
  '@timestamp': string
  message: string
  ecs: { version: string }
  event: {
    kind: 'event'
    category: string[]
    type: string[]
    action: AuditEventType
    outcome: 'success' | 'failure'
    sequence: number
    dataset: 'taskgate.audit'
    provider: 'taskgate'
  }
  user: { id: string }
  host?: { name: string }
  taskgate: {
    subject?: string
    data?: Record<string, unknown>
    hash: string
    prev_hash: string
  }
}

/** A denial, a refusal or a failed login did not succeed; every other entry records something done. */
function outcomeOf(type: AuditEventType): 'success' | 'failure' {
  return type.endsWith('.denied') || type.endsWith('.failed') ? 'failure' : 'success'
}

/** ECS categorisation (event.category / event.type allowed values) by the entry's noun. */
function categoryOf(type: AuditEventType): { category: string[]; type: string[] } {
  const noun = type.slice(0, type.indexOf('.'))
  switch (noun) {
    case 'login':
      return { category: ['authentication'], type: ['start'] }
    case 'session':
      return { category: ['session'], type: [type === 'session.started' ? 'start' : 'end'] }
    case 'grant':
    case 'approval':
    case 'credential':
    case 'service_account':
      return { category: ['iam'], type: ['change'] }
    case 'retention':
      return { category: ['configuration'], type: ['deletion'] }
    case 'legal_hold':
      return { category: ['configuration'], type: ['change'] }
    case 'config':
    case 'gateway':
      return { category: ['configuration'], type: ['info'] }
    default:
      return { category: ['database'], type: ['access'] }
  }
}

export function toEcsDocument(entry: AuditEntry, hostName?: string): EcsDocument {
  const doc: EcsDocument = {
    '@timestamp': entry.at.toISOString(),
    message: entry.subject
      ? `${entry.type} ${entry.subject} by ${entry.actor}`
      : `${entry.type} by ${entry.actor}`,
    ecs: { version: ECS_VERSION },
    event: {
      kind: 'event',
      ...categoryOf(entry.type),
      action: entry.type,
      outcome: outcomeOf(entry.type),
      sequence: entry.seq,
      dataset: 'taskgate.audit',
      provider: 'taskgate',
    },
    user: { id: entry.actor },
    taskgate: { hash: entry.hash, prev_hash: entry.prevHash },
  }
  if (hostName) doc.host = { name: hostName }
  if (entry.subject !== undefined) doc.taskgate.subject = entry.subject
  if (entry.data !== undefined) doc.taskgate.data = entry.data
  return doc
}

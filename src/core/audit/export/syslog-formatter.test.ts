import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { AuditEntry } from '../events.ts'
import { escapeParamValue, formatSyslogMessage, frameOctetCounted } from './syslog-formatter.ts'

const entry: AuditEntry = {
  seq: 42,
  at: new Date('2026-03-01T10:00:00.123Z'),
  type: 'action.denied',
  actor: 'agent:"bad]actor\\',
  subject: 'grant-1',
  data: { reason: 'outside scope', text: 'é' },
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
}
const options = { facility: 13, appName: 'taskgate', hostName: 'gw 1', procId: '77', enterpriseId: '32473' }

test('an RFC 5424 message: PRI from facility and severity, header fields, SD, BOM and the ECS document', () => {
  const message = formatSyslogMessage(entry, options)
  // facility 13 * 8 + warning (4): a denial is a failure.
  assert.match(message, /^<108>1 2026-03-01T10:00:00\.123Z gw1 taskgate 77 action\.denied \[taskgate@32473 /)
  assert.ok(message.includes('seq="42" action="action.denied" outcome="failure"'))
  // RFC 5424 §6.3.3: ", \ and ] escaped inside a PARAM-VALUE.
  assert.ok(message.includes('actor="agent:\\"bad\\]actor\\\\"'))
  const msg = message.slice(message.indexOf('\uFEFF') + 1)
  const doc = JSON.parse(msg)
  assert.equal(doc['@timestamp'], '2026-03-01T10:00:00.123Z')
  assert.equal(doc.event.action, 'action.denied')
  assert.equal(doc.event.outcome, 'failure')
  assert.equal(doc.event.sequence, 42)
  assert.equal(doc.user.id, entry.actor)
  assert.deepEqual(doc.taskgate.data, entry.data)
})

test('a success is a notice', () => {
  assert.match(formatSyslogMessage({ ...entry, type: 'grant.issued' }, options), /^<109>1 /)
})

test('octet counting frames by bytes, not characters', () => {
  const framed = frameOctetCounted('é ok')
  assert.equal(framed.toString('utf8'), '5 é ok')
})

test('escapeParamValue leaves other characters alone', () => {
  assert.equal(escapeParamValue('a=b c'), 'a=b c')
})

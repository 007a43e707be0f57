import assert from 'node:assert/strict'
import { test } from 'node:test'
import pino from 'pino'
import type { Core, Principal } from '../core/index.ts'
import { createRestToolCallAuditor, type ServedRequest, toolCallHeaders } from './rest-tool-call-audit.ts'

const agent: Principal = {
  id: 'sa:bot',
  kind: 'agent',
  name: 'bot',
  groups: ['agents'],
  via: 'service-account',
}

function auditor(clock: { now: number }) {
  const entries: Array<{ type: string; subject?: string; data: Record<string, unknown> }> = []
  const core = { audit: async (e: (typeof entries)[number]) => void entries.push(e) } as unknown as Core
  const audit = createRestToolCallAuditor(core, pino({ level: 'silent' }), () => clock.now)
  return { entries, audit }
}

function served(callId: string, overrides: Partial<ServedRequest> = {}): ServedRequest {
  return {
    principal: agent,
    method: 'GET',
    route: '/v1/grants/:id',
    headers: toolCallHeaders({ tool: 'end_task', mcpSession: 'm1', callId }),
    params: { id: 'gVICTIM' },
    body: undefined,
    statusCode: 404,
    payload: JSON.stringify({ status: 404, code: 'TG_NOT_FOUND' }),
    ...overrides,
  }
}

test('a refused request is audited without naming the grant id the caller gave', async () => {
  const { entries, audit } = auditor({ now: 0 })
  await audit(served('c1'))
  assert.equal(entries.length, 1)
  assert.equal(entries[0]!.subject, undefined)
  assert.equal(entries[0]!.data.outcome, 'error')
  assert.equal(entries[0]!.data.code, 'TG_NOT_FOUND')
  assert.deepEqual(entries[0]!.data.result, {})
})

test('a principal cannot grow the log past 60 tool-call entries a minute; the rest are counted', async () => {
  const clock = { now: 0 }
  const { entries, audit } = auditor(clock)
  for (let i = 0; i < 100; i++) await audit(served(`c${i}`, { statusCode: 200, payload: '{"id":"g1"}' }))
  assert.equal(entries.length, 60)
  clock.now = 61_000
  await audit(served('later', { statusCode: 200, payload: '{"id":"g1"}' }))
  assert.equal(entries.length, 62)
  assert.equal(entries[60]!.data.outcome, 'rate-limited')
  assert.equal(entries[60]!.data.count, 40)
  assert.equal(entries[61]!.data.callId, 'later')
})

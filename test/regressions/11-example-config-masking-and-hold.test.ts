// Issue 11 (item 14): the example config (what `npm start` runs) showed neither masking nor a guardrail that
// holds a statement, and its approver group had no member, so a newcomer could try neither at once.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { unmatchedGroupWarnings } from '../../src/config/config-warnings.ts'
import { loadConfig } from '../../src/config/load.ts'

test('the example config masks something, holds a statement for an approver who exists, and warns of nothing', async () => {
  const config = await loadConfig(new URL('../../taskgate.example.yaml', import.meta.url).pathname)
  assert.ok(config.masking.rules.length > 0, 'a masking rule')
  const held = config.guardrails.filter((g) => g.action === 'approve')
  assert.ok(held.length > 0, 'a guardrail that holds for approval')
  const members = new Set(config.agents.flatMap((a) => a.groups))
  for (const g of held)
    assert.ok(
      g.approvers?.some((group) => members.has(group)),
      `${g.id} has an approver`,
    )
  assert.deepEqual(unmatchedGroupWarnings(config), [])
})

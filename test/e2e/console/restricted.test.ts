// Signed in with an agent's key (neither an administrator nor an approver), the console shows only what
// the server lets that principal read: its own sessions, not another principal's, and the audit page says
// it is not allowed rather than showing entries.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import type { Core, Principal } from '../../../src/core/index.ts'
import { buildConsole, launchBrowser, signInWithKey, startConsoleGateway } from '../../support/console.ts'

before(() => buildConsole())

/** A session with one statement, recorded through core as a protocol records it. */
async function recordSession(core: Core, principal: Principal, resourceId: string, text: string) {
  const { grant } = await core.requestGrant(principal, {
    resourceId,
    scope: 'select:public.items',
    task: text,
  })
  const resource = core.config.resources.find((r) => r.id === resourceId)!
  const session = await core.openSession({
    context: { grant, resource },
    protocol: 'postgres',
    client: '127.0.0.1',
    close: () => {},
  })
  core.recordAction(session, { kind: 'SelectStmt', text, outcome: 'allow', rowCount: 1 })
  await core.closeSession(session, 'client disconnected')
  return session
}

test('an agent key sees only its own sessions, is refused the audit log, and ends its own grant', async () => {
  await using gw = await startConsoleGateway()
  const core = gw.gateway.core
  const agent = await core.authenticate(gw.agentKey)
  const admin = await core.authenticate(gw.adminKey)
  const own = await recordSession(core, agent, gw.resourceId, 'SELECT 1 AS mine')
  const other = await recordSession(core, admin, gw.resourceId, 'SELECT 2 AS not_yours')

  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.agentKey)
  await page.getByRole('link', { name: 'Sessions' }).click()
  await page.locator(`tr[data-session-id="${own.id}"]`).waitFor()
  assert.deepEqual(
    await page
      .locator('tr[data-session-id]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id'))),
    [own.id],
  )
  // Asking for the other principal's sessions or session by URL shows nothing of them.
  await page.goto(`${gw.url}/sessions?principal=${encodeURIComponent(admin.id)}`)
  await page.locator(`tr[data-session-id="${own.id}"]`).waitFor()
  assert.equal(await page.locator(`tr[data-session-id="${other.id}"]`).count(), 0)
  await page.goto(`${gw.url}/sessions/${other.id}`)
  await page.getByText(`No session ${other.id}.`).waitFor()
  assert.equal(await page.getByText('not_yours').count(), 0)

  await page.getByRole('link', { name: 'Audit' }).click()
  await page
    .getByRole('alert')
    .filter({ hasText: 'Only administrators and approvers read the audit log.' })
    .waitFor()
  assert.equal(await page.locator('.audit-row').count(), 0)
  assert.equal(await page.getByRole('button', { name: 'Verify chain' }).count(), 0)

  // On its own grant's page the agent marks the task done; revoking is for approvers.
  await page.goto(`${gw.url}/grants/${own.grant.id}`)
  const done = page.getByRole('button', { name: 'Task done: end this grant' })
  await done.waitFor()
  assert.equal(await page.getByRole('button', { name: /Revoke/ }).count(), 0)
  await done.click()
  await page.getByRole('status').getByText(`Grant ${own.grant.id} ended: the task is done.`).waitFor()
  assert.equal((await core.getGrant(agent, own.grant.id)).status, 'ended')
})

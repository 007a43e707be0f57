// The approver's work by keyboard alone, in a real browser against real clients: Tab reaches Approve
// before a reason is typed and it asks for one; a reason and Enter approve, the decision is announced and
// focus moves to the next card, which is denied the same way (the waiting psql gets the denial); the grant
// tabs move with the arrow keys; a live psql session is ended from its page and the grant stays active;
// the grant is then revoked from its page with a reason.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { approvedUpdateGrant, type GrantOut } from '../../support/approved-update-grant.ts'
import { PsqlSession } from '../../support/clients/psql-session.ts'
import {
  api,
  buildConsole,
  launchBrowser,
  signInWithKey,
  startConsoleGateway,
  tabTo,
} from '../../support/console.ts'

before(() => buildConsole())

const focusedText = (page: import('playwright-core').Page) =>
  page.evaluate(() => {
    const active = (
      globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }
    ).document.activeElement
    return active?.textContent ?? ''
  })

test('keyboard only: approve and deny with a reason, focus follows, tabs move by arrows, end a session, revoke a grant', async () => {
  await using gw = await startConsoleGateway()
  // A live psql session under an auto-approved grant: its UPDATE is held by the hold-item-updates rule.
  const { working, connection: c } = await approvedUpdateGrant(gw, 'ticket OPS-9')
  await using psql = new PsqlSession({
    PATH: process.env.PATH,
    PGHOST: c.host,
    PGPORT: String(c.port),
    PGUSER: c.user,
    PGPASSWORD: c.password,
    PGDATABASE: gw.db.name,
    PGSSLMODE: 'disable',
  })
  psql.send("UPDATE public.items SET name = 'TWO' WHERE id = 2;\n")
  const heldId = await psql.approvalId()
  // Then a grant request, newer, so it is the first card.
  const request = await api<GrantOut>(gw.url, gw.agentKey, 'POST', '/v1/grants', {
    resource: gw.resourceId,
    scope: 'insert:public.items',
    task: 'add the spring items',
  })

  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)
  const first = page.locator(`[data-approval-id="${request.grant.approvalId}"]`)
  const second = page.locator(`[data-approval-id="${heldId}"]`)
  await second.waitFor()

  // Approve is reachable before a reason is typed, and asks for one.
  const approve = first.getByRole('button', { name: 'Approve' })
  assert.equal(await approve.getAttribute('aria-disabled'), 'true')
  await tabTo(page, approve)
  await page.keyboard.press('Enter')
  await first.getByRole('alert').getByText('Enter a reason first').waitFor()
  assert.equal(
    await first
      .getByLabel('Reason (required)')
      .evaluate((e) => e === (e.ownerDocument as { activeElement: unknown }).activeElement),
    true,
    'focus moves to the reason',
  )
  await page.keyboard.type('spring catalogue agreed')
  await page.keyboard.press('Tab')
  assert.equal(await approve.getAttribute('aria-disabled'), null)
  assert.match(await focusedText(page), /^Approve$/)
  await page.keyboard.press('Enter')
  await first.waitFor({ state: 'detached' })
  await page
    .getByTestId('announcement')
    .getByText(/^Approved: grant request from bot-\w+ on app-\w+\. Next: held statement/)
    .waitFor()
  assert.match(await focusedText(page), /^Held statement on app-/, 'focus is on the next card')

  // Deny the held statement the same way: Tab into its reason, type, Tab twice to Deny.
  await page.keyboard.press('Tab')
  while (
    !(await second
      .getByLabel('Reason (required)')
      .evaluate((e) => e === (e.ownerDocument as { activeElement: unknown }).activeElement))
  )
    await page.keyboard.press('Tab')
  await page.keyboard.type('not during the freeze')
  await page.keyboard.press('Tab')
  await page.keyboard.press('Tab')
  assert.match(await focusedText(page), /^Deny$/)
  await page.keyboard.press('Enter')
  await second.waitFor({ state: 'detached' })
  await page
    .getByTestId('announcement')
    .getByText(/^Denied: held statement .* Nothing else is waiting\./)
    .waitFor()
  assert.match(await focusedText(page), /^Pending/)
  await psql.waitFor('stderr', /not during the freeze/)

  // A page change by keyboard moves focus to the new page's heading and sets its title.
  await tabTo(page, page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Grants' }))
  await page.keyboard.press('Enter')
  await page.waitForFunction(
    () =>
      (globalThis as unknown as { document: { activeElement: { tagName: string } | null } }).document
        .activeElement?.tagName === 'H1',
  )
  assert.equal(await focusedText(page), 'Grants')
  assert.equal(await page.title(), 'Grants · taskgate')

  // The grant tabs: one tab stop, arrows move and select.
  const active = page.getByRole('tab', { name: /Active/ })
  await tabTo(page, active)
  await page.keyboard.press('ArrowRight')
  const pendingTab = page.getByRole('tab', { name: /Pending/ })
  assert.equal(await pendingTab.getAttribute('aria-selected'), 'true')
  assert.equal(await pendingTab.getAttribute('tabindex'), '0')
  assert.equal(await active.getAttribute('tabindex'), '-1')
  await page.keyboard.press('End')
  assert.equal(await page.getByRole('tab', { name: /Ended/ }).getAttribute('aria-selected'), 'true')
  await page.keyboard.press('Home')
  assert.equal(await active.getAttribute('aria-selected'), 'true')

  // End the live psql session from its page: the client is disconnected, the grant stays active.
  const { sessions } = await api<{ sessions: Array<{ id: string }> }>(
    gw.url,
    gw.adminKey,
    'GET',
    `/v1/sessions?grant=${working.grant.id}&state=live`,
  )
  await page.goto(`${gw.url}/sessions/${sessions[0]!.id}`)
  const end = page.getByRole('button', { name: /^End session/ })
  await tabTo(page, end)
  await page.keyboard.press('Enter')
  await page.keyboard.type('runaway loop')
  await page.keyboard.press('Enter')
  await page.locator('#session-title').getByText('ended').waitFor()
  psql.send('SELECT 1;\n')
  await psql.waitFor(
    'stderr',
    /FATAL: {2}taskgate: session ended by admin: runaway loop\nHINT: {2}the grant is still active/,
  )
  assert.doesNotMatch(psql.stderr, /grant ended/)
  const grant = await api<{ status: string }>(gw.url, gw.adminKey, 'GET', `/v1/grants/${working.grant.id}`)
  assert.equal(grant.status, 'active')

  // Revoke the grant from its page (the breadcrumb and link lead there), with a reason.
  await page.goto(`${gw.url}/grants/${working.grant.id}`)
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Grants' }).waitFor()
  const revoke = page.getByRole('button', { name: /^Revoke grant/ })
  await tabTo(page, revoke)
  await page.keyboard.press('Enter')
  await page.keyboard.press('Enter')
  await page.getByRole('alert').getByText('Enter a reason first.').waitFor()
  await page.keyboard.type('task finished')
  await page.keyboard.press('Enter')
  await page
    .getByRole('status')
    .getByText(/revoked; its sessions are closed/)
    .waitFor()
  for (let i = 0; i < 50; i++) {
    const after = await api<{ status: string }>(gw.url, gw.adminKey, 'GET', `/v1/grants/${working.grant.id}`)
    if (after.status === 'ended') return
    await sleep(50)
  }
  assert.fail('the grant did not end')
})

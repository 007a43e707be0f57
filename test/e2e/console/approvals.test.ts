// The approvals inbox in a real browser, live over SSE: an agent's grant request appears while its client
// waits and is approved in the console; then a statement the `hold-item-updates` guardrail holds arrives
// live while a real psql waits in a child process, the approver reads its text, rule and reason and
// approves it in the console, and psql receives the rows and the command tag; the session's timeline then
// shows that statement as held and approved by that approver.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { PsqlSession } from '../../support/clients/psql-session.ts'
import {
  api,
  buildConsole,
  launchBrowser,
  signInWithKey,
  startConsoleGateway,
} from '../../support/console.ts'

before(() => buildConsole())

interface GrantOut {
  grant: { id: string; status: string; approvalId?: string }
}

test('a grant request and then a held statement arrive live, are approved in the console, and the waiting psql gets its rows', async () => {
  await using gw = await startConsoleGateway()
  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)
  await page.getByRole('heading', { name: 'Approvals' }).waitFor()
  await page.getByText('Nothing is waiting for a decision.').waitFor()

  // The agent declares its task; the write is above its auto-approve, so it waits for a human.
  const requested = await api<GrantOut>(gw.url, gw.agentKey, 'POST', '/v1/grants', {
    resource: gw.resourceId,
    scope: ['select:public.items', 'update:public.items'],
    task: 'rename item two',
  })
  assert.equal(requested.grant.status, 'pending')
  // The agent's client waits as `taskgate grant request --wait` does, then opens psql with the credential.
  const connected = (async () => {
    for (;;) {
      const grant = await api<{ status: string }>(
        gw.url,
        gw.agentKey,
        'GET',
        `/v1/grants/${requested.grant.id}`,
      )
      if (grant.status === 'active') break
      if (grant.status !== 'pending') throw new Error(`grant ${grant.status}`)
      await sleep(100)
    }
    const credential = await api<{
      connection: { host: string; port: number; user: string; password: string }
    }>(gw.url, gw.agentKey, 'POST', `/v1/grants/${requested.grant.id}/credential`)
    const c = credential.connection
    return new PsqlSession({
      PATH: process.env.PATH,
      PGHOST: c.host,
      PGPORT: String(c.port),
      PGUSER: c.user,
      PGPASSWORD: c.password,
      PGDATABASE: gw.db.name,
      PGSSLMODE: 'disable',
    })
  })()

  // The grant request arrives without a reload.
  const bot = (await api<{ name: string }>(gw.url, gw.agentKey, 'GET', '/v1/whoami')).name
  const grantCard = page.locator(`[data-approval-id="${requested.grant.approvalId}"]`)
  await grantCard.waitFor()
  await grantCard.getByText('rename item two').waitFor()
  await grantCard.getByText(bot, { exact: true }).waitFor()
  await grantCard.getByText('update:public.items').first().waitFor()
  // Every decision says why: Approve waits for a reason.
  assert.equal(await grantCard.getByRole('button', { name: 'Approve' }).isDisabled(), true)
  await grantCard.getByLabel('Reason (required)').fill('rename agreed in the ticket')
  assert.equal(await grantCard.getByRole('button', { name: 'Approve' }).isEnabled(), true)
  await grantCard.getByRole('button', { name: 'Approve' }).click()
  await grantCard.waitFor({ state: 'detached' })
  await page.getByRole('row').filter({ hasText: 'rename agreed in the ticket' }).waitFor()

  await using psql = await connected
  psql.send("UPDATE public.items SET name = 'TWO' WHERE id = 2 RETURNING id, name;\n")
  const heldId = await psql.approvalId()
  assert.match(psql.stderr, /waiting for approval \S+ \(rule guardrail:hold-item-updates\)/)

  // The held statement arrives live too: who holds it, its text, the rule and the rule's reason.
  const card = page.locator(`[data-approval-id="${heldId}"]`)
  await card.getByRole('heading', { name: /Held statement/ }).waitFor()
  await card.getByText(bot, { exact: true }).waitFor()
  await card.getByText('rename item two').waitFor()
  assert.match(
    (await card.locator('pre.statement').textContent()) ?? '',
    /UPDATE public\.items SET name = 'TWO' WHERE id = 2 RETURNING id, name/,
  )
  await card.getByText('guardrail:hold-item-updates', { exact: true }).waitFor()
  await card.getByText('updates of items need a second pair of eyes').waitFor()
  assert.deepEqual(
    (await gw.db.query('SELECT name FROM public.items WHERE id = 2')).rows,
    [{ name: 'two' }],
    'nothing ran while held',
  )

  assert.equal(await card.getByRole('button', { name: 'Approve' }).isDisabled(), true)
  await card.getByLabel('Reason (required)').fill('checked the new name')
  await card.getByRole('button', { name: 'Approve' }).click()
  await card.waitFor({ state: 'detached' })
  await page.getByRole('row').filter({ hasText: 'checked the new name' }).waitFor()

  await psql.waitFor('stdout', /^2\|TWO\nUPDATE 1$/m)
  psql.send('SELECT name FROM public.items ORDER BY id;\n')
  assert.equal(await psql.close(), 0, psql.stderr)
  assert.deepEqual(psql.stdout.trim().split('\n'), ['2|TWO', 'UPDATE 1', 'one', 'TWO'])
  // The session's timeline says the statement was held and who approved it, from its own record.
  const admin = (await api<{ name: string }>(gw.url, gw.adminKey, 'GET', '/v1/whoami')).name
  const { sessions } = await api<{ sessions: { id: string }[] }>(
    gw.url,
    gw.adminKey,
    'GET',
    `/v1/sessions?grant=${requested.grant.id}`,
  )
  await page.goto(`${gw.url}/sessions/${sessions[0]!.id}`)
  const update = page.locator('.timeline-row').filter({ hasText: "UPDATE public.items SET name = 'TWO'" })
  await update.getByText(`held · approved by ${admin}`).waitFor()
  assert.equal(await update.locator('.badge').getAttribute('data-approval-id'), heldId)
  const select = page.locator('.timeline-row').filter({ hasText: 'SELECT name FROM public.items' })
  assert.match((await select.textContent()) ?? '', /allowed/)
  assert.doesNotMatch((await select.textContent()) ?? '', /approved/, 'only the held statement names it')
})

test('approve and deny wait for a reason, which the requester then sees', async () => {
  await using gw = await startConsoleGateway()
  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)
  const requested = await api<GrantOut>(gw.url, gw.agentKey, 'POST', '/v1/grants', {
    resource: gw.resourceId,
    scope: 'update:public.items',
    task: 'rename everything',
  })
  const card = page.locator(`[data-approval-id="${requested.grant.approvalId}"]`)
  await card.getByText('Say why you approve or deny').waitFor()
  const reason = card.getByLabel('Reason (required)')
  for (const name of ['Approve', 'Deny'])
    assert.equal(await card.getByRole('button', { name }).isDisabled(), true, `${name} without a reason`)
  await reason.fill('   ')
  assert.equal(await card.getByRole('button', { name: 'Deny' }).isDisabled(), true, 'a blank reason')
  await reason.fill('not without a WHERE clause')
  await card.getByRole('button', { name: 'Deny' }).click()
  await card.waitFor({ state: 'detached' })
  const grant = await api<{ status: string; decisionReason: string }>(
    gw.url,
    gw.agentKey,
    'GET',
    `/v1/grants/${requested.grant.id}`,
  )
  assert.equal(grant.status, 'denied')
  assert.match(grant.decisionReason, /not without a WHERE clause/)
})

test('self-approval is impossible: the buttons are disabled and the server refuses', async () => {
  await using gw = await startConsoleGateway()
  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)
  // The admin requests a write for itself from the Grants page.
  await page.getByRole('link', { name: 'Grants' }).click()
  await page.getByText('Request a grant').click()
  await page.getByLabel('Scope').fill('insert:public.items')
  await page.getByLabel('Task').fill('my own change')
  await page.getByRole('button', { name: 'Request', exact: true }).click()
  await page.getByRole('status').filter({ hasText: 'pending' }).waitFor()

  await page.getByRole('link', { name: 'Approvals' }).click()
  const card = page.locator('article.approval').filter({ hasText: 'my own change' })
  await card.getByText('This is your own request').waitFor()
  assert.equal(await card.getByRole('button', { name: 'Approve' }).isDisabled(), true)
  assert.equal(await card.getByRole('button', { name: 'Deny' }).isDisabled(), true)
  const id = await card.getAttribute('data-approval-id')
  const refused = await page.evaluate(async (approvalId) => {
    const { csrfToken } = (await (await fetch('/auth/session')).json()) as { csrfToken: string }
    const response = await fetch(`/v1/approvals/${approvalId}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify({ reason: 'my own change' }),
    })
    return { status: response.status, code: ((await response.json()) as { code: string }).code }
  }, id)
  assert.deepEqual(refused, { status: 403, code: 'TG_SELF_APPROVAL' })
})

// Every page of the console in a real browser (Debian chromium) with real data behind it: a pending grant
// request, a statement held while a real client (node-postgres, extended protocol with parameters) waits,
// a live session with a denial, the audit log. axe-core finds no violation on any page in light and dark
// mode; at 375 px no page scrolls sideways and the header stays one row; each page has its own title.
// The approval cards show the risk: widened scope entries, duration, when requested and when the request
// expires, "Why held" beside the approver's reason, the held statement with its parameters and rule.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { approvedUpdateGrant, type GrantOut } from '../../support/approved-update-grant.ts'
import {
  api,
  axeViolations,
  buildConsole,
  type ConsoleGateway,
  horizontalOverflow,
  launchBrowser,
  screenshot,
  signInWithKey,
  startConsoleGateway,
} from '../../support/console.ts'

before(() => buildConsole())

// Updates of items over one row are held, and the gateway estimates their rows first (rowsOver), so the
// approver sees the estimate; a statement it cannot estimate is held all the same.
const GUARDRAILS = `
  - id: hold-item-updates
    description: updates of items need a second pair of eyes
    action: approve
    match: { needs: ["update:public.items"], rowsOver: 1, whenUnknown: match }`

/** A pending grant request, and a live session whose parameterised UPDATE waits for an approver. */
async function seed(gw: ConsoleGateway) {
  const pendingRequest = await api<GrantOut>(gw.url, gw.agentKey, 'POST', '/v1/grants', {
    resource: gw.resourceId,
    scope: ['select:public.items', 'insert:public.items'],
    task: 'load the spring catalogue',
    ttl: '30m',
  })
  assert.equal(pendingRequest.grant.status, 'pending')
  const { working, connection: c } = await approvedUpdateGrant(gw, 'ticket OPS-7')
  const client = new pg.Client({
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    database: gw.db.name,
  })
  await client.connect()
  await client.query('SELECT name FROM public.items ORDER BY id')
  await client.query('DELETE FROM public.items WHERE id = 1').then(
    () => assert.fail('the delete was not denied'),
    (error: { code?: string }) => assert.equal(error.code, '42501'),
  )
  const held = client.query('UPDATE public.items SET name = $1 WHERE id > $2', ['TWO', 1]).then(
    () => 'ran',
    (error: { message: string }) => error.message,
  )
  let heldId: string | undefined
  for (let i = 0; i < 200 && !heldId; i++) {
    const { approvals } = await api<{ approvals: Array<{ id: string; subject: string }> }>(
      gw.url,
      gw.adminKey,
      'GET',
      '/v1/approvals?status=pending',
    )
    heldId = approvals.find((a) => a.subject === 'action')?.id
    if (!heldId) await sleep(50)
  }
  assert.ok(heldId, 'the update is held')
  const { sessions } = await api<{ sessions: Array<{ id: string }> }>(
    gw.url,
    gw.adminKey,
    'GET',
    `/v1/sessions?grant=${working.grant.id}`,
  )
  return {
    pendingRequest,
    working,
    connection: { ...c, database: gw.db.name },
    heldId,
    sessionId: sessions[0]!.id,
    async [Symbol.asyncDispose]() {
      await api(gw.url, gw.adminKey, 'POST', `/v1/approvals/${heldId}/deny`, { reason: 'test over' }).catch(
        () => {},
      )
      await held
      await client.end().catch(() => {})
    },
  }
}

test('every page: no axe violation in light and dark mode, no sideways scroll at 375 px, its own title', async () => {
  await using gw = await startConsoleGateway({ guardrails: GUARDRAILS })
  await using seeded = await seed(gw)
  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)

  const pages: Array<{ path: string; title: RegExp; ready: () => Promise<void> }> = [
    {
      path: '/approvals',
      title: /^Approvals \(2\) · taskgate$/,
      ready: () => page.locator(`[data-approval-id="${seeded.heldId}"]`).waitFor(),
    },
    {
      path: `/approvals/${seeded.pendingRequest.grant.approvalId}`,
      title: /^Approval a\w+ · taskgate$/,
      ready: () => page.getByText('Why held').waitFor(),
    },
    {
      path: '/grants',
      title: /^Grants · taskgate$/,
      ready: () => page.locator('tr[data-grant-id]').first().waitFor(),
    },
    {
      path: `/grants/${seeded.working.grant.id}`,
      title: /^Grant g\w+ · taskgate$/,
      ready: () => page.locator('tr[data-session-id]').waitFor(),
    },
    {
      path: '/sessions',
      title: /^Sessions \(1\) · taskgate$/,
      ready: () => page.locator('tr[data-session-id]').waitFor(),
    },
    {
      path: `/sessions/${seeded.sessionId}`,
      title: /^Session s\w+ · taskgate$/,
      ready: () => page.locator('.timeline-row').nth(1).waitFor(),
    },
    {
      path: '/audit',
      title: /^Audit log · taskgate$/,
      ready: async () => {
        await page.locator('.audit-row').nth(3).click()
        await page.getByText(/^hash [0-9a-f]{64}$/).waitFor()
      },
    },
    {
      path: '/account',
      title: /^Account · taskgate$/,
      ready: () => page.locator('tr[data-account]').first().waitFor(),
    },
  ]
  const problems: string[] = []
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme })
    for (const { path, title, ready } of pages) {
      await page.goto(`${gw.url}${path}`)
      await ready()
      assert.match(await page.title(), title, path)
      for (const violation of await axeViolations(page)) problems.push(`${scheme} ${path}: ${violation}`)
      if (path === '/approvals' && scheme === 'dark') await screenshot(page, 'approvals-dark')
    }
  }
  assert.deepEqual(problems, [])

  await page.emulateMedia({ colorScheme: 'light' })
  await page.setViewportSize({ width: 375, height: 800 })
  const narrow: string[] = []
  for (const { path, ready } of pages) {
    await page.goto(`${gw.url}${path}`)
    await ready()
    const { overflow, culprits } = await horizontalOverflow(page)
    assert.equal(overflow, 0, `${path} scrolls sideways by ${overflow}px: ${culprits.join(' | ')}`)
    // The header is one row: brand, navigation and sign-out share a line.
    const header = await page.locator('header.top').boundingBox()
    assert.ok(header && header.height < 60, `${path}: header is ${header?.height}px high`)
    for (const violation of await axeViolations(page)) narrow.push(`375px ${path}: ${violation}`)
  }
  assert.deepEqual(narrow, [])
})

test('approval cards show the risk: widened scope, duration, timing, why held, the held statement and its parameters', async () => {
  await using gw = await startConsoleGateway({ guardrails: GUARDRAILS })
  await using seeded = await seed(gw)
  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)

  const request = page.locator(`[data-approval-id="${seeded.pendingRequest.grant.approvalId}"]`)
  await request.getByRole('heading', { name: /Grant request/ }).waitFor()
  const widened = request.locator('li.scope-widened')
  assert.deepEqual(await widened.locator('code').allTextContents(), ['insert:public.items'])
  await widened.getByText('widens: beyond auto-approve').waitFor()
  const within = request.locator('.scope-list li:not(.scope-widened)')
  assert.deepEqual(await within.locator('code').allTextContents(), ['select:public.items'])
  await request.getByText('within auto-approve').waitFor()
  assert.match(
    (await request.locator('.scope-compare').textContent()) ?? '',
    /Auto-approved\s*select:public\.\*/,
  )
  assert.match(
    (await request.locator('.scope-compare').textContent()) ?? '',
    /Ceiling\s*select:\*, insert:public\.\*, update:public\.\*/,
  )
  await request.getByText('30 min once approved').waitFor()
  const facts = (await request.locator('dl.facts').first().textContent()) ?? ''
  assert.match(facts, /Requested\s*just now · /)
  assert.match(facts, /Expires\s*in \d+ (minutes|hours)/)
  assert.equal((await request.locator('time').first().getAttribute('datetime')) !== null, true)
  await request.locator('.why-held').getByRole('heading', { name: 'Why held' }).waitFor()

  const held = page.locator(`[data-approval-id="${seeded.heldId}"]`)
  await held.getByRole('heading', { name: /Held statement/ }).waitFor()
  assert.equal(
    (await held.locator('pre.statement').textContent())?.trim(),
    'UPDATE public.items SET name = $1 WHERE id > $2',
  )
  assert.deepEqual(await held.locator('ul.parameters code').allTextContents(), ["$1 = 'TWO'", "$2 = '1'"])
  await held.locator('.why-held').getByText('updates of items need a second pair of eyes').waitFor()
  await held.locator('.why-held').getByText('guardrail:hold-item-updates', { exact: true }).waitFor()
  const approval = await api<{ estimatedRows?: number }>(
    gw.url,
    gw.adminKey,
    'GET',
    `/v1/approvals/${seeded.heldId}`,
  )
  if (approval.estimatedRows !== undefined)
    await held.getByText(`Row estimate: ${approval.estimatedRows} row`).waitFor()
  await screenshot(page, 'approvals')

  // A client's own comment that looks like the parameters line stays part of the statement shown.
  const spoofer = new pg.Client(seeded.connection)
  await spoofer.connect()
  const spoof = "UPDATE public.items SET name = 'x' WHERE id > 0\n-- parameters: $1 = 'harmless'"
  const spoofed = spoofer.query(spoof).then(
    () => 'ran',
    (error: { message: string }) => error.message,
  )
  try {
    const card = page.locator('article.approval').filter({ hasText: "SET name = 'x'" })
    await card.waitFor()
    assert.equal((await card.locator('pre.statement').textContent())?.trim(), spoof)
    assert.equal(await card.locator('ul.parameters').count(), 0)
    const spoofId = await card.getAttribute('data-approval-id')
    await api(gw.url, gw.adminKey, 'POST', `/v1/approvals/${spoofId}/deny`, { reason: 'no' })
    assert.match(await spoofed, /no/)
  } finally {
    await spoofer.end()
  }
})

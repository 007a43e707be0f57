// Grants, sessions, replay and audit in a real browser: revoking a grant from the console closes the live
// psql session under it; a session's timeline shows each statement's decision; the replay of a real psql
// session shows exactly the recorded results, masked by a config rule, and never the clear values; 10,000
// statements stay fast (virtualized); the audit chain verifies.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Page } from 'playwright-core'
import type { Core, Principal, SessionHandle } from '../../../src/core/index.ts'
import {
  api,
  buildConsole,
  launchBrowser,
  screenshot,
  signInWithKey,
  startConsoleGateway,
} from '../../support/console.ts'

before(() => buildConsole())

interface Credential {
  connection: { host: string; port: number; user: string; password: string }
}

/** A psql that stays connected, fed statements on stdin, as a person at a prompt would. */
function interactivePsql(credential: Credential, database: string) {
  const c = credential.connection
  const child = spawn('psql', ['-X', '-At'], {
    env: {
      PATH: process.env.PATH,
      PGHOST: c.host,
      PGPORT: String(c.port),
      PGUSER: c.user,
      PGPASSWORD: c.password,
      PGDATABASE: database,
      PGSSLMODE: 'disable',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => {
    stdout += d
  })
  child.stderr.on('data', (d: Buffer) => {
    stderr += d
  })
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  return {
    send: (sql: string) => child.stdin.write(`${sql}\n`),
    end: () => child.stdin.end(),
    output: () => ({ stdout, stderr }),
    async until(test: () => boolean, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs
      while (!test()) {
        if (Date.now() > end) throw new Error(`psql: timed out; stdout ${stdout} stderr ${stderr}`)
        await new Promise((r) => setTimeout(r, 25))
      }
    },
    exited,
    kill: () => child.kill('SIGKILL'),
  }
}

test('revoking a grant in the console ends its live psql session; the timeline shows the decisions', async () => {
  await using gw = await startConsoleGateway()
  const granted = await api<{ grant: { id: string } } & { credential: Credential }>(
    gw.url,
    gw.agentKey,
    'POST',
    '/v1/grants',
    { resource: gw.resourceId, scope: 'select:public.items', task: 'read the item list' },
  )
  const client = interactivePsql(granted.credential, gw.db.name)
  try {
    client.send('SELECT name FROM public.items ORDER BY id;')
    client.send('DELETE FROM public.items WHERE id = 1;')
    await client.until(
      () => client.output().stdout.includes('two') && client.output().stderr.includes('denied'),
    )

    await using browser = await launchBrowser()
    const { page } = browser
    await signInWithKey(page, gw.url, gw.adminKey)
    await page.getByRole('link', { name: 'Grants' }).click()
    const row = page.locator(`tr[data-grant-id="${granted.grant.id}"]`)
    await row.getByText('read the item list').waitFor()
    await screenshot(page, 'grants')
    await row.getByRole('button', { name: 'Revoke' }).click()
    await row.getByLabel('Reason').fill('task finished early')
    await row.getByRole('button', { name: 'Confirm revoke' }).click()
    // It leaves the Active tab, and the gateway has closed the client's connection: psql learns it at
    // its next statement (it reads the FATAL the gateway sent).
    await row.waitFor({ state: 'detached' })
    client.send('SELECT 1;')
    client.end()
    await Promise.race([client.exited, sleep(5000).then(() => assert.fail('psql did not exit'))])
    assert.match(client.output().stderr, /grant ended|server closed the connection/)
    assert.doesNotMatch(client.output().stdout, /^1$/m)

    // What the grant was used for: its session, now ended.
    await page.getByRole('tab', { name: /Ended/ }).click()
    await row.getByRole('link', { name: 'Details' }).click()
    await page.getByRole('heading', { name: /Grant/ }).waitFor()
    const sessionRow = page.locator('tr[data-session-id]')
    await sessionRow.getByText(/revoked|grant ended/).waitFor()

    // Sessions: the denied-only filter finds it; its page shows allowed and denied statements in order.
    await page.getByRole('link', { name: 'Sessions' }).click()
    await page.getByLabel('Only sessions with denials').check()
    await page.getByRole('button', { name: 'Apply' }).click()
    await page.waitForURL(/deniedOnly=true/)
    await page.locator('tr[data-session-id]').first().waitFor()
    await screenshot(page, 'sessions')
    await page.locator('tr[data-session-id] a').first().click()
    await page.getByRole('heading', { name: 'Timeline' }).waitFor()
    const rows = page.locator('.timeline-row')
    await rows.nth(1).waitFor()
    assert.match((await rows.nth(0).textContent()) ?? '', /SELECT name FROM public\.items.*allowed.*2 rows/)
    assert.match(
      (await rows.nth(1).textContent()) ?? '',
      /DELETE FROM public\.items WHERE id = 1.*denied.*scope/,
    )
  } finally {
    client.kill()
  }
})

/** A session recorded through core as a protocol records it (for volume no psql would reach quickly). */
async function recordSession(
  core: Core,
  principal: Principal,
  resourceId: string,
  actions: Array<Parameters<Core['recordAction']>[1]>,
): Promise<SessionHandle> {
  const { grant } = await core.requestGrant(principal, {
    resourceId,
    scope: 'select:public.items',
    task: 'replay',
  })
  const resource = core.config.resources.find((r) => r.id === resourceId)!
  const session = await core.openSession({
    context: { grant, resource },
    protocol: 'postgres',
    client: '127.0.0.1',
    close: () => {},
  })
  for (const action of actions) core.recordAction(session, action)
  await core.closeSession(session, 'client disconnected')
  return session
}

async function replayCells(page: Page): Promise<string[][]> {
  return page
    .locator('table.result tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))
}

const MASK_EMAILS = `masking:
  rules:
    - id: pii
      style: partial
      detectors: [email]
`
const CLEAR_EMAILS = ['ada@example.com', 'bob@example.com']

test('replay steps through a real psql session in order and shows exactly the recorded, masked results', async () => {
  await using gw = await startConsoleGateway({ extraConfig: MASK_EMAILS })
  const granted = await api<{ grant: { id: string } } & { credential: Credential }>(
    gw.url,
    gw.agentKey,
    'POST',
    '/v1/grants',
    { resource: gw.resourceId, scope: 'select:public.items', task: 'replay' },
  )
  // Each statement on its own line: psql sends each as its own Query, so each is its own recorded action.
  const statements = [
    'SELECT id, email FROM public.items ORDER BY id',
    'DELETE FROM public.items',
    'SELECT name, NULL::text AS note, email AS contact FROM public.items WHERE id = 2',
  ]
  const client = interactivePsql(granted.credential, gw.db.name)
  try {
    for (const sql of statements) client.send(`${sql};`)
    client.end()
    assert.equal(await client.exited, 0, client.output().stderr)
  } finally {
    client.kill()
  }
  const { stdout, stderr } = client.output()
  assert.match(stderr, /denied/)
  for (const clear of CLEAR_EMAILS) assert.ok(!stdout.includes(clear), `psql saw ${clear}`)

  // The recording the gateway made of that session (batched: wait until its three actions are stored).
  const core = gw.gateway.core
  const agent = await core.authenticate(gw.agentKey)
  const deadline = Date.now() + 5_000
  let recorded: Awaited<ReturnType<Core['getSession']>> | undefined
  for (;;) {
    const [session] = await core.listSessions(agent, { grantId: granted.grant.id })
    recorded = session ? await core.getSession(agent, session.id) : undefined
    if (recorded && recorded.actions.length >= statements.length) break
    if (Date.now() > deadline) assert.fail(`recording incomplete: ${JSON.stringify(recorded)}`)
    await sleep(50)
  }
  const { session, actions } = recorded
  assert.deepEqual(
    actions.map((a) => [a.text.replace(/;$/, ''), a.outcome]),
    statements.map((sql, i) => [sql, i === 1 ? 'deny' : 'allow']),
  )
  assert.deepEqual(actions[0]!.result?.rows, [
    ['1', 'a****@*****.com'],
    ['2', 'b****@*****.com'],
  ])
  assert.deepEqual(actions[0]!.masked, { 'email/email': 2 })
  assert.ok(!JSON.stringify(actions).includes('@example.com'), 'the recording holds masked values only')

  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)
  await page.goto(`${gw.url}/sessions/${session.id}`)
  await page.getByRole('heading', { name: 'Replay' }).waitFor()
  for (const [step, action] of actions.entries()) {
    await page.getByText(`Step ${step + 1} of ${actions.length}`).waitFor()
    assert.equal((await page.locator('.replay-statement pre').textContent())?.trim(), action.text)
    const expected = (action.result?.rows ?? []).map((r) => r.map((v) => (v === null ? 'NULL' : String(v))))
    assert.deepEqual(await replayCells(page), expected, `step ${step + 1}`)
    const html = await page.content()
    for (const clear of CLEAR_EMAILS) assert.ok(!html.includes(clear), `step ${step + 1} shows ${clear}`)
    if (step === 0) {
      await page.getByText('masked: email/email (2)').waitFor()
      await screenshot(page, 'session-replay')
    }
    if (step < actions.length - 1) await page.getByRole('button', { name: 'Next' }).click()
  }
  // Keyboard: the timeline listbox steps the replay too.
  await page.getByRole('listbox').focus()
  await page.keyboard.press('Home')
  await page.getByText(`Step 1 of ${actions.length}`).waitFor()
})

test('a session of 10,000 statements renders fast and keeps only a window of rows in the page', async () => {
  await using gw = await startConsoleGateway()
  const agent = await gw.gateway.core.authenticate(gw.agentKey)
  const actions = Array.from({ length: 10_000 }, (_, i) => ({
    kind: 'SelectStmt',
    text: `SELECT * FROM public.items WHERE id = ${i}`,
    outcome: (i % 50 === 49 ? 'deny' : 'allow') as 'allow' | 'deny',
    ...(i % 50 === 49 ? { rule: 'scope', reason: 'not granted' } : { rowCount: i % 3, durationMs: 0.2 }),
  }))
  const session = await recordSession(gw.gateway.core, agent, gw.resourceId, actions)

  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)
  const started = Date.now()
  await page.goto(`${gw.url}/sessions/${session.id}`)
  await page.getByText('Step 1 of 10,000').or(page.getByText('Step 1 of 10000')).waitFor()
  const loadMs = Date.now() - started
  assert.ok(loadMs < 5000, `loaded in ${loadMs} ms`)
  const inDom = await page.locator('.virtual-row').count()
  assert.ok(inDom < 60, `${inDom} rows in the DOM`)

  const listbox = page.getByRole('listbox')
  await listbox.focus()
  const jumped = Date.now()
  await page.keyboard.press('End')
  await page.getByText(/Step 10,?000 of 10,?000/).waitFor()
  await page.locator('[data-seq="10000"]').waitFor()
  assert.ok(Date.now() - jumped < 2000, 'jumping to the end is immediate')
  assert.ok((await page.locator('.virtual-row').count()) < 60)
})

test('audit: events are searchable and the chain verifies', async () => {
  await using gw = await startConsoleGateway()
  await api(gw.url, gw.agentKey, 'POST', '/v1/grants', {
    resource: gw.resourceId,
    scope: 'select:public.items',
    task: 'audited read',
  })
  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)
  await page.getByRole('link', { name: 'Audit' }).click()
  await page.getByLabel('Event type').fill('grant.issued')
  await page.getByRole('button', { name: 'Search' }).click()
  await page.locator('.audit-row').filter({ hasText: 'grant.issued' }).first().waitFor()
  const types = await page.locator('.audit-row code').allTextContents()
  assert.ok(types.length > 0 && types.every((t) => t === 'grant.issued'), types.join(','))
  await page.getByRole('button', { name: 'Verify chain' }).click()
  await page.getByText(/chain intact/).waitFor()
  await page.locator('.audit-row').first().click()
  await page.getByText(/^hash [0-9a-f]{64}$/).waitFor()
  await screenshot(page, 'audit')

  // Contains text searches the whole log on the server: an entry behind 1,000 newer ones is found.
  const core = gw.gateway.core
  await core.audit({ type: 'admin.action', actor: 'system', data: { note: 'needle-in-the-log' } })
  for (let i = 0; i < 1000; i++) await core.audit({ type: 'admin.action', actor: 'system', data: { i } })
  await page.getByLabel('Event type').fill('')
  await page.getByLabel('Contains text').fill('NEEDLE-in-the')
  await page.getByRole('button', { name: 'Search' }).click()
  await page.getByText(/^1 entries, newest first/).waitFor()
  await page.locator('.audit-row').first().click()
  await page
    .locator('pre.json')
    .getByText(/needle-in-the-log/)
    .waitFor()

  // Long values clip inside their own column instead of running into the next one.
  await page.getByLabel('Contains text').fill('')
  await page.getByRole('button', { name: 'Search' }).click()
  await page.locator('.audit-row').nth(5).waitFor()
  await page.setViewportSize({ width: 1000, height: 800 })
  const spilling = await page.locator('.audit-row').evaluateAll((rows) =>
    rows.flatMap((row) => {
      // The test's tsconfig has no DOM library: name the one browser global used.
      const style = (globalThis as unknown as { getComputedStyle(e: unknown): { overflowX: string } })
        .getComputedStyle
      const cells = [...row.children]
      const boxes = cells.map((c) => c.getBoundingClientRect())
      return cells.flatMap((cell, i) =>
        boxes[i + 1] && boxes[i]!.right > boxes[i + 1]!.left + 0.5
          ? [`overlaps: ${cell.textContent}`]
          : cell.scrollWidth > cell.clientWidth && style(cell).overflowX !== 'hidden'
            ? [`spills: ${cell.textContent}`]
            : [],
      )
    }),
  )
  assert.deepEqual(spilling, [])
})

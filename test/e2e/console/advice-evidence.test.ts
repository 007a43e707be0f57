// The console's least-privilege views in a real browser (issue 16): an approval card shows the plan a grant
// was requested from and the evidence from recordings (the requester's similar earlier task, what it used,
// the entry this request asks beyond that); the Advice page turns a group's suggestion into a draft
// `policies:` section that is replayed against the recorded statements before anyone edits the file.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import type { GrantOut } from '../../support/approved-update-grant.ts'
import { psql } from '../../support/clients/psql.ts'
import {
  api,
  axeViolations,
  buildConsole,
  launchBrowser,
  signInWithKey,
  startConsoleGateway,
} from '../../support/console.ts'

before(() => buildConsole())

test('the approval card shows the plan and the evidence; advice applies as a draft and replays', async () => {
  await using gw = await startConsoleGateway()
  // An earlier task of the agent, run for real through the gateway with psql.
  const earlier = await api<GrantOut>(gw.url, gw.agentKey, 'POST', '/v1/grants', {
    resource: gw.resourceId,
    scope: ['select:public.items'],
    task: 'count the items for the weekly report',
  })
  const c = earlier.credential!.connection
  const ran = await psql(
    {
      PATH: process.env.PATH,
      PGHOST: c.host,
      PGPORT: String(c.port),
      PGUSER: c.user,
      PGPASSWORD: c.password,
      PGDATABASE: gw.db.name,
      PGSSLMODE: 'disable',
    },
    'SELECT count(*) FROM items',
  )
  assert.equal(ran.stdout.trim(), '2', ran.stderr)
  await api(gw.url, gw.agentKey, 'POST', `/v1/grants/${earlier.grant.id}/end`)

  // The same task again, from a plan that also inserts: above auto-approve, so a person decides.
  const planned = await api<GrantOut & { evidence?: { widerThanPast: string[] } }>(
    gw.url,
    gw.agentKey,
    'POST',
    '/v1/grants',
    {
      resource: gw.resourceId,
      plan: "SELECT count(*) FROM items;\nUPDATE items SET name = 'uno' WHERE id = 1;",
      task: 'count the items for the weekly report',
    },
  )
  assert.equal(planned.grant.status, 'pending')
  assert.deepEqual(planned.evidence?.widerThanPast, ['update:public.items'])

  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)
  const card = page.locator(`[data-approval-id="${planned.grant.approvalId}"]`)
  await card.getByRole('heading', { name: 'Plan (2 statements)' }).waitFor()
  // Each planned statement as the rules in force would decide it once the grant is approved.
  assert.deepEqual(
    (await card.locator('.plan-statements li').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim()),
    [
      'SELECT count(*) FROM items runs once approved',
      "UPDATE items SET name = 'uno' WHERE id = 1 held: taskgate guardrail hold-item-updates: updates of items need a second pair of eyes",
    ],
  )
  await card.getByRole('heading', { name: 'Evidence from recordings' }).waitFor()
  assert.match(
    (await card.locator('.evidence').textContent()) ?? '',
    /1 similar earlier task\(s\) of this requester used select:public\.items/,
  )
  assert.deepEqual(await axeViolations(page), [])
  const signal = card.getByRole('list', { name: 'Anomaly signals' }).getByRole('listitem')
  assert.equal(
    ((await signal.textContent()) ?? '').replace(/\s+/g, ' ').trim(),
    "Wider than before requests 1 scope entry none of the principal's 1 similar earlier task(s) used: update:public.items",
  )

  // Advice: the agents group used select:public.items of a ceiling of select:*, insert:…, update:….
  await page.getByRole('link', { name: 'Grants', exact: true }).click()
  await page.getByRole('link', { name: 'Scope advice' }).click()
  await page.getByRole('heading', { name: 'Scope advice' }).waitFor()
  await page.getByRole('button', { name: `Apply as a draft: ${gw.agents} on ${gw.resourceId}` }).click()
  await page.getByRole('heading', { name: /^Draft: / }).waitFor()
  const diff = (await page.locator('pre.diff').textContent()) ?? ''
  assert.match(diff, /^\+\s+- select:public\.items$/m)
  assert.match(diff, /^-\s+- update:public\.\*$/m)
  const draft = page.getByLabel('Draft policies section (editable)')
  assert.match(await draft.inputValue(), /select:public\.items/)
  await page.getByRole('button', { name: 'Replay recorded statements against the draft' }).click()
  const result = page.locator('.replay-result')
  await result.waitFor()
  assert.match((await result.textContent()) ?? '', /recorded statements replayed since .*: 0 would change/)
  assert.deepEqual(await axeViolations(page), [])
  // A draft that breaks the schema is refused with the path, before anything is replayed.
  await draft.fill('policies:\n  - group: x\n')
  await page.getByRole('button', { name: 'Replay recorded statements against the draft' }).click()
  await page.getByRole('alert').filter({ hasText: 'policies[0]' }).waitFor()
})

test("a grant's exfiltration budget is shown live on its page, with the crossed threshold", async () => {
  await using gw = await startConsoleGateway({
    agentPolicy: '    budget: { rows: { warn: 1, end: 1000 }, statements: { warn: 100 } }',
  })
  const grant = await api<GrantOut>(gw.url, gw.agentKey, 'POST', '/v1/grants', {
    resource: gw.resourceId,
    scope: ['select:public.items'],
    task: 'look at the items',
  })
  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)
  await page.goto(`${gw.url}/grants/${grant.grant.id}`)
  const table = page.getByRole('table', { name: 'Exfiltration budget' })
  await table.waitFor()
  const rows = () => table.getByRole('row').allTextContents()
  assert.deepEqual(await rows(), ['MetricUsedwarnholdend', 'Rows read01—1,000', 'Statements0100——'])
  const c = grant.credential!.connection
  const ran = await psql(
    {
      PATH: process.env.PATH,
      PGHOST: c.host,
      PGPORT: String(c.port),
      PGUSER: c.user,
      PGPASSWORD: c.password,
      PGDATABASE: gw.db.name,
      PGSSLMODE: 'disable',
    },
    'SELECT id FROM items',
  )
  assert.equal(ran.code, 0, ran.stderr)
  assert.match(
    ran.stderr,
    /WARNING: {2}taskgate: grant \S+ has 2 rows read, over its budget's warn threshold of 1/,
  )
  // Without a reload: the page polls while the grant is live.
  await table.getByRole('row', { name: /Rows read 2 1 \(crossed\)/ }).waitFor()
  assert.deepEqual(await axeViolations(page), [])
})

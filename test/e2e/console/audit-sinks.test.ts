// The SIEM export status on the console's audit page, in a real browser: one sink delivering (JSON Lines
// file, caught up) and one whose collector cannot be reached (OTLP/HTTP to a closed port: failing, with the
// reason, its lag growing). A person without oversight sees no export status at all.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import {
  axeViolations,
  buildConsole,
  launchBrowser,
  signInWithKey,
  startConsoleGateway,
} from '../../support/console.ts'

let dir: string
before(async () => {
  buildConsole()
  dir = await mkdtemp(join(tmpdir(), 'tg-console-sinks-'))
})
after(() => rm(dir, { recursive: true, force: true }))

test('the audit page shows each sink: cursor, lag, last delivery, and why a failing one fails', async () => {
  await using gw = await startConsoleGateway({
    extraConfig: `audit:
  sinks:
    - { id: archive, kind: jsonl, path: ${JSON.stringify(join(dir, 'audit.jsonl'))} }
    - { id: collector, kind: otlp, url: "http://127.0.0.1:9/v1/logs" }`,
  })
  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, gw.url, gw.adminKey)
  await page.goto(`${gw.url}/audit`)
  const table = page.getByRole('table', { name: 'Audit export sinks' })
  await table.waitFor()
  const archive = table.getByRole('row').filter({ hasText: 'archive' })
  const collector = table.getByRole('row').filter({ hasText: 'collector' })
  // The page refreshes the status by itself: wait for the file sink to catch up and the collector to fail.
  await archive.getByText('up to date').waitFor({ timeout: 20_000 })
  await collector.getByText(/failing: .*(refused|unreachable|connect)/i).waitFor({ timeout: 20_000 })
  assert.match((await archive.textContent()) ?? '', /\(jsonl\).*#\d+ of #\d+.*none/)
  assert.match((await collector.textContent()) ?? '', /\(otlp\).*#0 of #\d+.*\d+ entries.*never/)
  assert.deepEqual(await axeViolations(page), [])

  // An agent (no oversight) gets the audit page's refusal and no export status.
  await using other = await launchBrowser()
  await signInWithKey(other.page, gw.url, gw.agentKey)
  await other.page.goto(`${gw.url}/audit`)
  await other.page.getByRole('heading', { name: 'Audit log' }).waitFor()
  assert.equal(await other.page.getByRole('table', { name: 'Audit export sinks' }).count(), 0)
})

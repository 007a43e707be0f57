// An SSH session in the console, in a real browser: the timeline lists the commands (the denied one with its
// rule), and the terminal player (asciinema-player) plays the recorded exec output.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildConsole, launchBrowser, signInWithKey } from '../../support/console.ts'
import { exec, startSshGateway } from '../../support/start-ssh-gateway.ts'

before(() => buildConsole())

test('an SSH session: commands in the timeline, the recording played by the terminal player', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant('exec:root')
  const client = await g.connect(credential)
  await exec(client, 'echo replayed-output-42')
  await exec(client, 'rm -rf --no-preserve-root /')
  client.end()
  let sessionId = ''
  for (let i = 0; i < 100 && !sessionId; i++) {
    const [session] = await g.gateway.core.listSessions(g.admin, { grantId: grant.id })
    if (session?.endedAt) sessionId = session.id
    else await sleep(50)
  }
  assert.ok(sessionId, 'the session ended')
  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, g.gateway.api.url, g.gateway.createdKeys.get('admin')!)
  await page.goto(`${g.gateway.api.url}/sessions/${sessionId}`)
  await page.getByRole('heading', { name: 'Terminal' }).waitFor()
  const timeline = page.locator('.timeline-row')
  await timeline.filter({ hasText: 'echo replayed-output-42' }).waitFor()
  await timeline.filter({ hasText: 'guardrail:no-recursive-root-delete' }).waitFor()
  const player = page.locator('.terminal-player')
  await player.locator('.ap-player').waitFor()
  // The player's terminal (its WebAssembly emulator, under the console's CSP) shows the recorded output.
  await player.locator('.ap-term-text').getByText('replayed-output-42').waitFor({ timeout: 30_000 })
})

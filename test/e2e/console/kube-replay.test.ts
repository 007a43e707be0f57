// A Kubernetes session in the console, in a real browser: the timeline lists the `kubectl exec` commands (the
// denied one with its rule), and the terminal player (asciinema-player, the same one SSH sessions use) plays
// the recorded exec output. kubectl is real and speaks SPDY/3.1 to the gateway; the exec runs on the stream
// stand-in (test/support/kube-stream-stand-in.ts), as the API server here has no kubelet.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { buildConsole, launchBrowser, signInWithKey } from '../../support/console.ts'
import { startStreamStandIn } from '../../support/kube-stream-stand-in.ts'
import { startKubeGateway } from '../../support/start-kube-gateway.ts'

before(() => buildConsole())

test('a Kubernetes session: exec commands in the timeline, the exec recording played by the terminal player', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tg-kube-replay-'))
  await using standIn = await startStreamStandIn(dir)
  await using g = await startKubeGateway(standIn)
  const { grant, kubeconfig } = await g.grant('get:pods@team-a,create:pods/exec@team-a')
  const env = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }
  const echo = await g.kubectl(
    kubeconfig,
    ['-n', 'team-a', 'exec', 'web', '--', 'echo', 'replayed-kube-42'],
    undefined,
    env,
  )
  assert.equal(echo.code, 0, echo.stderr)
  const denied = await g.kubectl(
    kubeconfig,
    ['-n', 'team-a', 'exec', 'web', '--', 'rm', '-rf', '/'],
    undefined,
    env,
  )
  assert.notEqual(denied.code, 0)
  const [session] = await g.gateway.core.listSessions(g.agent, { grantId: grant.id })
  assert.ok(session, 'the session is recorded')
  await using browser = await launchBrowser()
  const { page } = browser
  await signInWithKey(page, g.gateway.api.url, g.agentKey)
  await page.goto(`${g.gateway.api.url}/sessions/${session.id}`)
  await page.getByRole('heading', { name: 'Terminal' }).waitFor()
  const timeline = page.locator('.timeline-row')
  await timeline.filter({ hasText: 'echo replayed-kube-42' }).waitFor()
  await timeline.filter({ hasText: 'guardrail:no-recursive-root-delete' }).waitFor()
  const player = page.locator('.terminal-player')
  await player.locator('.ap-player').waitFor()
  await player.locator('.ap-term-text').getByText('replayed-kube-42').waitFor({ timeout: 30_000 })
  await rm(dir, { recursive: true, force: true })
})

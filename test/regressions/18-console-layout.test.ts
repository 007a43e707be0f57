// Issue 18: measured in chromium, the dark-mode count badge in the navigation had 2.52:1 contrast (white on
// a light red); the "Only sessions with denials" checkbox sat a whole input's width (13rem) away from its
// label; the replay card opened with an empty band above its heading. Each is measured here as a user sees it.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { api, buildConsole, launchBrowser, signInWithKey, startConsoleGateway } from '../support/console.ts'

before(() => buildConsole())

/** WCAG 2 contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, bl] = (css.match(/\d+(\.\d+)?/g) ?? [])
      .slice(0, 3)
      .map(Number)
      .map((v) => {
        const c = v / 255
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
      }) as [number, number, number]
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl
  }
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

test('dark count badge contrast ≥ 4.5:1, the denials checkbox beside its label, no empty band atop the replay', async () => {
  await using gw = await startConsoleGateway()
  await api(gw.url, gw.agentKey, 'POST', '/v1/grants', {
    resource: gw.resourceId,
    scope: 'update:public.items',
    task: 'a pending request, for the count badge',
  })
  await using browser = await launchBrowser()
  const { page } = browser
  await page.emulateMedia({ colorScheme: 'dark' })
  await signInWithKey(page, gw.url, gw.adminKey)
  const badge = page.locator('header nav .count')
  await badge.waitFor()
  const colours = await badge.evaluate((e) => {
    const style = (
      globalThis as unknown as { getComputedStyle(x: unknown): { color: string; backgroundColor: string } }
    ).getComputedStyle(e)
    return [style.color, style.backgroundColor] as const
  })
  assert.ok(
    contrast(...colours) >= 4.5,
    `count badge ${colours.join(' on ')}: ${contrast(...colours).toFixed(2)}:1`,
  )

  await page.goto(`${gw.url}/sessions`)
  const label = page.locator('label.checkbox').filter({ hasText: 'Only sessions with denials' })
  const box = await label.locator('input').boundingBox()
  const text = await label.locator('span').boundingBox()
  assert.ok(
    box && text && text.x - (box.x + box.width) < 16,
    `checkbox ${JSON.stringify(box)} text ${JSON.stringify(text)}`,
  )

  const granted = await api<{ grant: { id: string } }>(gw.url, gw.agentKey, 'POST', '/v1/grants', {
    resource: gw.resourceId,
    scope: 'select:public.items',
    task: 'a recorded session',
  })
  const core = gw.gateway.core
  const agent = await core.authenticate(gw.agentKey)
  const grant = await core.getGrant(agent, granted.grant.id)
  const session = await core.openSession({
    context: { grant, resource: core.config.resources[0]! },
    protocol: 'postgres',
    client: '127.0.0.1:1',
    close: () => {},
  })
  core.recordAction(session, { kind: 'SelectStmt', text: 'SELECT 1', outcome: 'allow', rowCount: 1 })
  await core.closeSession(session, 'client disconnected')
  await page.goto(`${gw.url}/sessions/${session.id}`)
  const card = page.locator('section.replay')
  await card.getByRole('heading', { name: 'Replay' }).waitFor()
  const [top, heading] = await Promise.all([
    card.boundingBox(),
    card.getByRole('heading', { name: 'Replay' }).boundingBox(),
  ])
  assert.ok(top && heading && heading.y - top.y < 24, `heading ${heading?.y} in a card at ${top?.y}`)
})

// Outside review, session 7: the console's sign-in takes `returnTo` (where to continue after the IdP) and
// accepted any value starting with one `/` not followed by `/` or `\`. A browser's URL parser drops tabs and
// line breaks anywhere in a URL (WHATWG URL, "remove all ASCII tab or newline"), so `/<TAB>/evil.example`
// passed the check and the browser read it as `//evil.example`: after a real sign-in the person landed on a
// page of the attacker's choosing (an open redirect off a trusted origin, a ready-made phishing link). Each
// link below goes through the real IdP in a real browser and must end on the console's own origin.
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { before, test } from 'node:test'
import { buildConsole, freePort, launchBrowser, startConsoleGateway } from '../support/console.ts'
import { startOidcProvider } from '../support/start-oidc.ts'

before(() => buildConsole())

test('returnTo with a tab, a line break or an encoded slash after the first / stays on the console origin', async () => {
  // Where an attacker would send the person: a page that says so.
  const evil = createServer((_req, res) => res.end('<title>attacker page</title>pwned'))
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve))
  const evilHost = `127.0.0.1:${(evil.address() as { port: number }).port}`
  try {
    const port = await freePort()
    await using idp = await startOidcProvider({
      users: { alice: { email: 'alice@example.com', groups: ['console-dbas'] } },
      webClients: [
        { clientId: 'taskgate-console', redirectUris: [`http://127.0.0.1:${port}/auth/callback`] },
      ],
    })
    await using gw = await startConsoleGateway({
      apiPort: port,
      identity: `identity:
  oidc:
    issuer: ${idp.issuer}
    audience: ${idp.audience}
    clientId: ${idp.clientId}
    consoleClientId: taskgate-console
    allowInsecureHttp: true`,
    })
    await using browser = await launchBrowser()
    const { page } = browser
    for (const returnTo of [
      `/\t/${evilHost}/x`,
      `/\n/${evilHost}/x`,
      `/\r\n/${evilHost}/x`,
      `/ /${evilHost}`,
    ]) {
      await page.goto(`${gw.url}/auth/login?returnTo=${encodeURIComponent(returnTo)}`)
      if (page.url().startsWith(idp.url)) {
        await page.getByLabel('User').fill('alice')
        await page.getByRole('button', { name: 'Sign in' }).click()
      }
      await page.waitForURL((url) => !url.href.startsWith(idp.url) && !url.pathname.startsWith('/auth/'))
      await page.waitForLoadState('load')
      assert.equal(
        new URL(page.url()).origin,
        gw.url,
        `returnTo ${JSON.stringify(returnTo)} must not leave the console (landed on ${page.url()})`,
      )
    }
    // A path on the console is still where the person continues.
    await page.goto(`${gw.url}/auth/login?returnTo=${encodeURIComponent('/sessions?state=live')}`)
    await page.waitForURL(`${gw.url}/sessions?state=live`)
  } finally {
    await new Promise((resolve) => evil.close(resolve))
  }
})

// For browser tests of the web console: a built console, a gateway (startGateway, as `npm start` runs
// it) in front of a throwaway database, and Debian's chromium driven by playwright-core with a fresh
// profile. Never `npx playwright install`: the browser is the system's.
import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { parseConfigText } from '../../src/config/load.ts'
import { type Gateway, startGateway } from '../../src/main.ts'
import { freePort } from './free-port.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from './postgres.ts'

export { freePort }

export const CHROMIUM = process.env.TASKGATE_CHROMIUM ?? '/usr/bin/chromium'
// The README embeds docs/screenshots; tests refresh them only when asked (TASKGATE_UPDATE_SCREENSHOTS=1,
// `npm run screenshots`), so an ordinary test run leaves the work tree clean.
export const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.TASKGATE_UPDATE_SCREENSHOTS === '1'
      ? '../../docs/screenshots/'
      : '../../test-results/screenshots/',
    import.meta.url,
  ),
)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Builds web/dist when it is missing or older than its sources (what `npm start` does first). */
export function buildConsole(): void {
  const result = spawnSync(process.execPath, ['scripts/build-console-if-stale.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
  if (result.status !== 0) throw new Error(`console build failed: ${result.stderr}`)
}

export interface Browser extends AsyncDisposable {
  context: BrowserContext
  page: Page
}

export async function launchBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'tg-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  context.setDefaultTimeout(10_000)
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    async [Symbol.asyncDispose]() {
      await context.close().catch(() => {})
      await rm(profile, { recursive: true, force: true })
    },
  }
}

const AXE_SOURCE = fileURLToPath(import.meta.resolve('axe-core/axe.min.js'))
let axeSource: string | undefined

/** axe-core's violations on the page as it is now (WCAG 2.1 A/AA and best practices), each as
 * `rule: target` lines so a failure says what to fix. axe-core is injected into the page, not bundled. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the console's Content-Security-Policy (script-src 'self')
  // rightly refuses an injected script tag.
  axeSource ??= await readFile(AXE_SOURCE, 'utf8')
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axeSource)
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<unknown> } }
    ).axe
    const result = (await axe.run((globalThis as unknown as { document: unknown }).document, {
      resultTypes: ['violations'],
    })) as {
      violations: Array<{
        id: string
        help: string
        nodes: Array<{ target: unknown[]; failureSummary?: string }>
      }>
    }
    return result.violations.flatMap((v) =>
      v.nodes.map((n) => `${v.id} (${v.help}): ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`),
    )
  })
  return violations
}

/** How far the page scrolls sideways (0 when nothing overflows), and the elements that stick out of the
 * page (not those inside a box that scrolls or clips them). */
export async function horizontalOverflow(page: Page): Promise<{ overflow: number; culprits: string[] }> {
  return page.evaluate(() => {
    type El = {
      getBoundingClientRect(): { right: number }
      tagName: string
      className: unknown
      textContent: string | null
      parentElement: El | null
    }
    const g = globalThis as unknown as {
      document: {
        documentElement: { scrollWidth: number; clientWidth: number }
        querySelectorAll(s: string): ArrayLike<El>
      }
      getComputedStyle(e: El): { overflowX: string; position: string }
    }
    const width = g.document.documentElement.clientWidth
    // Inside a box that scrolls or clips, unless the element is absolutely positioned (such an element
    // escapes a box that is not itself positioned, and widens the page).
    const contained = (e: El) => {
      for (let p = e.parentElement; p; p = p.parentElement)
        if (g.getComputedStyle(p).overflowX !== 'visible')
          return g.getComputedStyle(e).position !== 'absolute'
      return false
    }
    const culprits = Array.from(g.document.querySelectorAll('body *'))
      .filter((e) => e.getBoundingClientRect().right > width + 1 && !contained(e))
      .slice(0, 5)
      .map((e) => `${e.tagName}.${String(e.className)}: ${(e.textContent ?? '').slice(0, 40)}`)
    return { overflow: g.document.documentElement.scrollWidth - width, culprits }
  })
}

/** Presses Tab until `target` has focus (at most `max` times): proves it is reachable by keyboard. */
export async function tabTo(page: Page, target: import('playwright-core').Locator, max = 80): Promise<void> {
  const handle = await target.elementHandle()
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    if (
      await page.evaluate(
        (element) =>
          (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement ===
          element,
        handle,
      )
    )
      return
  }
  throw new Error(`not reached by ${max} presses of Tab: ${target}`)
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false })
}

export interface ConsoleGateway extends AsyncDisposable {
  gateway: Gateway
  db: ThrowawayDatabase
  url: string
  resourceId: string
  adminKey: string
  agentKey: string
  agents: string
  dbas: string
}

/** A free loopback port (for an IdP redirect URI that must be known before the gateway starts). */
const DEFAULT_GUARDRAILS = `
  - id: hold-item-updates
    description: updates of items need a second pair of eyes
    action: approve
    match: { needs: ["update:public.items"] }`

export async function startConsoleGateway(
  options: {
    apiPort?: number
    identity?: string
    setupSql?: string
    extraConfig?: string
    /** Entries of `guardrails:` instead of the one holding updates of items. */
    guardrails?: string
    /** YAML lines added to the agents' policy mapping, indented four spaces (`    budget: …`). */
    agentPolicy?: string
  } = {},
): Promise<ConsoleGateway> {
  const suffix = Math.random().toString(36).slice(2, 8)
  const resourceId = `app-${suffix}`
  const agents = `agents-${suffix}`
  const dbas = `dbas-${suffix}`
  const dir = await mkdtemp(join(tmpdir(), 'tg-console-'))
  const db = await createThrowawayDatabase('tg_console')
  await db.query(
    options.setupSql ??
      `CREATE TABLE public.items (id int primary key, name text, email text);
       INSERT INTO public.items VALUES (1, 'one', 'ada@example.com'), (2, 'two', 'bob@example.com');`,
  )
  let gateway: Gateway
  try {
    const config = parseConfigText(
      `
store: { dir: ${JSON.stringify(join(dir, 'data'))} }
api: { listen: { host: 127.0.0.1, port: ${options.apiPort ?? 0} } }
${options.identity ?? ''}
agents:
  - name: bot-${suffix}
    groups: [${agents}]
resources:
  - id: ${resourceId}
    kind: postgres
    description: the console test database
    listen: { host: 127.0.0.1, port: 0 }
    target: { host: ${db.host}, port: ${db.port}, database: ${db.name}, user: ${db.user}, tls: disable }
policies:
  - group: ${agents}
    resources: [${resourceId}]
    ceiling: ["select:*", "insert:public.*", "update:public.*"]
    autoApprove: ["select:public.*"]
    approvers: [${dbas}, taskgate-admins]
${options.agentPolicy ?? ''}
  - group: taskgate-admins
    resources: [${resourceId}]
    ceiling: ["*:*"]
    autoApprove: ["select:*"]
    approvers: [${dbas}, taskgate-admins]
  - group: ${dbas}
    resources: [${resourceId}]
    ceiling: ["*:*"]
    autoApprove: ["select:*"]
    approvers: [${dbas}]
guardrails:${options.guardrails ?? DEFAULT_GUARDRAILS}
${options.extraConfig ?? ''}
`,
      'console-test.yaml',
    )
    gateway = await startGateway({
      config,
      logger: pino({ level: process.env.TASKGATE_TEST_LOG ?? 'silent' }),
    })
  } catch (error) {
    await db[Symbol.asyncDispose]()
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  return {
    gateway,
    db,
    url: gateway.api.url,
    resourceId,
    adminKey: gateway.createdKeys.get('admin') ?? '',
    agentKey: gateway.createdKeys.get(`bot-${suffix}`) ?? '',
    agents,
    dbas,
    async [Symbol.asyncDispose]() {
      await gateway.close()
      await db[Symbol.asyncDispose]()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Signs the page in with a key through the console's own sign-in form. */
export async function signInWithKey(page: Page, url: string, key: string): Promise<void> {
  await page.goto(url)
  await page.getByLabel('Admin key').fill(key)
  await page.getByRole('button', { name: 'Sign in with key' }).click()
  await page.getByRole('navigation', { name: 'Main' }).waitFor()
}

/** The API as an agent would call it (bearer key). */
export async function api<T = Record<string, unknown>>(
  url: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  })
  const payload = (await response.json()) as T
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(payload)}`)
  return payload
}

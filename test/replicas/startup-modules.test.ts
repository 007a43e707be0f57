// A gateway loads only what its configuration uses at start: the engines of resource kinds it does not
// serve, the MCP clients' mysql2/ssh2 and the certificate generator are imported when first needed. Loading
// them all cost a PostgreSQL-only gateway about a third more CPU at every start, which on a loaded host kept a
// restarted replica out of the balancer for tens of seconds (bench/replica-soak.ts).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))
const ENGINES = fileURLToPath(new URL('../../src/engines.ts', import.meta.url))

/** The module URLs a fresh Node process loads for `script` (an ES module body). */
function loadedBy(script: string): string[] {
  const hooks = `import { registerHooks } from 'node:module'
const loaded = []
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context) } })
${script}
process.stdout.write(JSON.stringify(loaded))`
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', hooks], { encoding: 'utf8' })
  return JSON.parse(out) as string[]
}

const unused = [
  /\/node_modules\/mysql2\//,
  /\/node_modules\/ssh2\//,
  /\/node_modules\/selfsigned\//,
  /\/src\/protocols\/(mysql|ssh|http|kubernetes)\//,
  /\/src\/protocols\/postgres\//,
]

test('importing the gateway loads no protocol engine, mysql2, ssh2 or selfsigned', () => {
  const loaded = loadedBy(`await import(${JSON.stringify(MAIN)})`)
  assert.ok(loaded.some((url) => url.endsWith('/src/main.ts')))
  for (const pattern of unused)
    assert.deepEqual(
      loaded.filter((url) => pattern.test(url)),
      [],
      `${pattern} loaded at start`,
    )
})

test("a resource's engine is loaded when one of its kind is created", () => {
  const loaded = loadedBy(`const { createEngine } = await import(${JSON.stringify(ENGINES)})
await createEngine({ resource: { kind: 'kubernetes' } }).catch(() => {})`)
  assert.ok(loaded.some((url) => /\/src\/protocols\/kubernetes\/index\.ts$/.test(url)))
  assert.ok(!loaded.some((url) => /\/node_modules\/mysql2\//.test(url)))
})

// The README's two-command install: `npm start` runs src/main.ts with taskgate.example.yaml. The example
// must stay valid (`taskgate config check`) and a gateway must start from it in a fresh directory and
// print where it wrote the admin key (never the key itself: output ends up in logs), a key that works, in a
// file only its user can read.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { runTaskgate } from '../support/run-taskgate.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const EXAMPLE = join(ROOT, 'taskgate.example.yaml')

test('taskgate config check passes on taskgate.example.yaml', async () => {
  const r = await runTaskgate(['config', 'check', EXAMPLE])
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stdout, /taskgate\.example\.yaml: ok \(1 resources, 2 policies\)/)
})

test('the gateway starts from the example config as `npm start` runs it and prints where the admin key is', async () => {
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
  assert.equal(pkg.scripts.start, 'node src/main.ts --config taskgate.example.yaml')
  const dir = await mkdtemp(join(tmpdir(), 'tg-example-'))
  try {
    // The example as is, but on free ports (8470 and 15432 may be taken where tests run in parallel);
    // `store.dir: ./data` resolves against the working directory, as with `npm start`.
    const example = await readFile(EXAMPLE, 'utf8')
    const config = example.replace('port: 8470', 'port: 0').replace('port: 15432', 'port: 0')
    assert.notEqual(config, example)
    await writeFile(join(dir, 'taskgate.example.yaml'), config)
    const child = spawn(process.execPath, [join(ROOT, 'src/main.ts'), '--config', 'taskgate.example.yaml'], {
      cwd: dir,
      env: { ...process.env, TASKGATE_DATABASE_URL: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
    let output = ''
    const started = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 30_000)
      const onData = (d: Buffer) => {
        output += d.toString()
        const api = /control plane at (\S+)/.exec(output)?.[1]
        if (api && /resource app-db at /.test(output)) {
          clearTimeout(timer)
          resolve(api)
        }
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      child.on('close', (code) => reject(new Error(`gateway exited (${code}):\n${output}`)))
    })
    try {
      const api = await started
      const printed =
        /key written to (\S+admin\.key) — sign in to the web console with the key in that file/.exec(output)
      assert.ok(printed, output)
      assert.equal(printed[1], join(dir, 'data', 'keys', 'admin.key'))
      const key = (await readFile(printed[1]!, 'utf8')).trim()
      assert.match(key, /^tgk_admin\./)
      assert.ok(!output.includes(key), 'the admin key itself is never printed')
      assert.equal((await stat(printed[1]!)).mode & 0o777, 0o600)
      assert.equal((await stat(join(dir, 'data'))).mode & 0o777, 0o700)
      assert.equal((await stat(join(dir, 'data', 'taskgate.db'))).mode & 0o777, 0o600)
      assert.match(output, /created agent "billing-bot"/)
      const whoami = await runTaskgate(['whoami', '--json'], {
        env: { TASKGATE_API: api, TASKGATE_TOKEN: key },
      })
      assert.equal(whoami.code, 0, whoami.stderr)
      assert.match(whoami.stdout, /"admin"/)
    } finally {
      child.kill('SIGTERM')
      await exited
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

// Issue 11 (item 14): `taskgate --api URL resources` was "unknown command --api" (global options were read only
// after the command), and `taskgate … | head` ended with an EPIPE stack trace once head had left.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { test } from 'node:test'
import { globalOptionsAfterCommand } from '../../src/cli/main.ts'
import { runTaskgate, TASKGATE_BIN } from '../support/run-taskgate.ts'

test('global options before the command move behind it, before a client after --', () => {
  assert.deepEqual(globalOptionsAfterCommand(['--api', 'http://x', '--json', 'grant', 'list']), [
    'grant',
    'list',
    '--api',
    'http://x',
    '--json',
  ])
  assert.deepEqual(globalOptionsAfterCommand(['--token-file=/k', 'connect', 'g1', '--', 'psql', '--json']), [
    'connect',
    'g1',
    '--token-file=/k',
    '--',
    'psql',
    '--json',
  ])
  assert.deepEqual(globalOptionsAfterCommand(['resources', '--api', 'u']), ['resources', '--api', 'u'])
})

test('`taskgate --api URL --json resources` asks that API', async () => {
  // A port nobody listens on: closed right after the OS picked it.
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
  const run = await runTaskgate(['--api', `http://127.0.0.1:${port}`, '--json', 'resources'], {
    env: { TASKGATE_TOKEN: 'tg_x' },
  })
  assert.equal(run.code, 1, run.stderr)
  assert.match(run.stderr, new RegExp(`^error \\[TG_CLI_API_UNREACHABLE\\]: .*127\\.0\\.0\\.1:${port}`))
})

test('a reader that leaves early (`| head`) ends the CLI quietly', async () => {
  const child = spawn(TASKGATE_BIN, ['--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.destroy()
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  assert.equal(stderr, '')
  assert.equal(code, 0)
})

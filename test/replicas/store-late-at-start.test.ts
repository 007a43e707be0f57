// A replica restarted while its PostgreSQL store could not be reached (the soak's restart on a loaded host,
// a store restarting) exited with TG_STORE_UNAVAILABLE and stayed down until something started it again.
// `node src/main.ts` now tries the store again for `store.startupWait`, saying so at warn, and starts once
// the store answers. The store's port here refuses connections at first (nothing listens), then a relay to
// the machine's real PostgreSQL opens on it.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createThrowawayDatabase } from '../support/postgres.ts'
import { prepareGateway } from '../support/start-full-gateway.ts'
import { freePort, startRelay } from '../support/tcp-relay.ts'

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))

test('a gateway whose store is not up yet waits for it and starts', async () => {
  await using storeDb = await createThrowawayDatabase('tg_late_store')
  const port = await freePort()
  const url = new URL(storeDb.url)
  url.port = String(port)
  await using setup = await prepareGateway({ storeUrl: url.toString() })
  const child = spawn(process.execPath, [MAIN, '--config', setup.configPath], {
    env: { ...process.env, TASKGATE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  const seen = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => pattern.test(output) && resolve()
      const onData = (d: Buffer) => {
        output += d.toString()
        check()
      }
      child.stdout!.on('data', onData)
      child.stderr!.on('data', onData)
      void exited.then((code) => reject(new Error(`gateway exited (${code}) before ${pattern}:\n${output}`)))
      check()
    })
  let opened: { cut(): Promise<void> } | undefined
  try {
    await seen(/store not ready at start; trying again/)
    assert.doesNotMatch(output, /control plane at/)
    opened = await startRelay({ host: storeDb.host, port: storeDb.port }, port)
    await seen(/control plane at (\S+)/)
    const api = /control plane at (\S+)/.exec(output)![1]!
    const ready = await fetch(`${api}/v1/health/ready`)
    assert.equal(ready.status, 200)
  } finally {
    child.kill('SIGTERM')
    await exited
    await opened?.cut()
  }
})

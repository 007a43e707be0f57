// The data-path listeners ask the kernel for a deep accept queue (LISTEN_BACKLOG, capped by
// net.core.somaxconn). With Node's default of 511, the survivor of a killed replica, its event loop busy,
// overflowed when every client of the dead one reconnected through the balancer at once: the kernel dropped
// their SYNs, the balancer's connect timed out, and logins were cut without a word from the gateway.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import pino from 'pino'
import { LISTEN_BACKLOG, StreamListener } from '../../src/protocols/kit/stream-listener.ts'

test('a stream listener listens with the deep backlog (as the kernel reports it)', async () => {
  const listener = new StreamListener({
    listen: { host: '127.0.0.1', port: 0 },
    logger: pino({ level: 'silent' }),
    serve: async (raw) => void raw.destroy(),
  })
  const { port } = await listener.listen()
  try {
    // For a listening TCP socket, ss shows the backlog as Send-Q (the 4th column with -H).
    const line = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' }).trim()
    const backlog = Number(line.split(/\s+/)[2])
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'))
    assert.equal(backlog, Math.min(LISTEN_BACKLOG, somaxconn), line)
    assert.ok(backlog > 511, `backlog ${backlog} (somaxconn ${somaxconn})`)
  } finally {
    await listener.close()
  }
})

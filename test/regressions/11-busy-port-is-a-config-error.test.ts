// Issue 11 (item 14): a resource port already in use failed the start with TG_INTERNAL (EADDRINUSE), and the
// next start no longer said where the first one had written the keys. Now the error names the config key,
// and every start names the key files written at an earlier one while they exist.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import pino from 'pino'
import { parseConfigText } from '../../src/config/load.ts'
import { startGateway } from '../../src/main.ts'

const listening = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  )

test('a busy resource or API port names its config key; the next start still says where the keys are', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tg-busy-'))
  const busy = createServer()
  const port = await listening(busy)
  const resourceId = `db-${randomBytes(3).toString('hex')}`
  const config = (resourcePort: number, apiPort: number) =>
    parseConfigText(
      `
store: { dir: ${JSON.stringify(join(dir, 'data'))} }
api: { listen: { host: 127.0.0.1, port: ${apiPort} } }
resources:
  - id: other-db
    kind: postgres
    listen: { host: 127.0.0.1, port: 0 }
    target: { host: 127.0.0.1, port: 5432, database: postgres, user: postgres, tls: disable }
  - id: ${resourceId}
    kind: postgres
    listen: { host: 127.0.0.1, port: ${resourcePort} }
    target: { host: 127.0.0.1, port: 5432, database: postgres, user: postgres, tls: disable }
`,
      'busy.yaml',
    )
  const logger = pino({ level: 'silent' })
  try {
    const first: string[] = []
    await assert.rejects(
      startGateway({ config: config(port, 0), logger, announce: (line) => first.push(line) }),
      {
        code: 'TG_CONFIG_INVALID',
        message: `resources[1].listen.port ${port} of resource ${resourceId} is in use on 127.0.0.1; stop what listens there or choose another port in the configuration.`,
      },
    )
    const keyFile = join(dir, 'data', 'keys', 'admin.key')
    assert.ok(
      first.some((line) => line.includes(`key written to ${keyFile}`)),
      first.join('\n'),
    )

    await assert.rejects(startGateway({ config: config(0, port), logger }), {
      code: 'TG_CONFIG_INVALID',
      message: new RegExp(
        `^api\\.listen\\.port ${port} of the control-plane API is in use on 127\\.0\\.0\\.1`,
      ),
    })

    // An address this machine does not have (TEST-NET-1, RFC 5737) names the host key instead.
    const elsewhere = config(0, 0)
    elsewhere.resources[1]!.listen.host = '192.0.2.1'
    await assert.rejects(startGateway({ config: elsewhere, logger }), {
      code: 'TG_CONFIG_INVALID',
      message: `resources[1].listen.host 192.0.2.1 of resource ${resourceId} is not an address of this machine; listen on one of its addresses (0.0.0.0 for all) in the configuration.`,
    })

    const second: string[] = []
    const gateway = await startGateway({
      config: config(0, 0),
      logger,
      announce: (line) => second.push(line),
    })
    await gateway.close()
    assert.deepEqual(second, [`local admin: key in ${keyFile} (written at an earlier start)`])
  } finally {
    busy.close()
    await rm(dir, { recursive: true, force: true })
  }
})

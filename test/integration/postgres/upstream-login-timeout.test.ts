// target.loginTimeout bounds the gateway's login to its target (connect, TLS, authentication): a target that
// accepts the connection and never answers (a PostgreSQL busy forking backends, a stuck proxy) is given up
// on after the configured time, not a fixed 10 s, and the client hears that the target is unavailable.
import assert from 'node:assert/strict'
import { createServer, type Server, type Socket } from 'node:net'
import { after, before, test } from 'node:test'
import { parseConfigText } from '../../../src/config/load.ts'
import { connectUpstream } from '../../../src/protocols/postgres/back.ts'
import { psql } from '../../support/clients/psql.ts'
import { startPostgresGateway } from '../../support/start-gateway.ts'

let silent: Server
let port: number
const held: Socket[] = []

before(async () => {
  // Accepts, reads the startup message, never answers.
  silent = createServer((socket) => {
    held.push(socket)
    socket.resume()
  })
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  port = (silent.address() as { port: number }).port
})
after(async () => {
  for (const socket of held) socket.destroy()
  await new Promise((resolve) => silent.close(resolve))
})

const target = (loginTimeout?: string) =>
  `{ host: 127.0.0.1, port: ${port}, database: postgres, user: postgres, tls: disable${loginTimeout ? `, loginTimeout: ${loginTimeout}` : ''} }`

test('target.loginTimeout: the upstream login gives up after the configured time', async () => {
  await assert.rejects(
    connectUpstream(
      { host: '127.0.0.1', port, database: 'postgres', user: 'postgres', tls: 'disable', loginTimeout: '1s' },
      { user: 'postgres' },
    ),
    (error: { code?: string; detail?: string }) =>
      error.code === 'TG_UPSTREAM_UNAVAILABLE' && /timed out after 1000 ms/.test(error.detail ?? ''),
  )
})

test('target.loginTimeout defaults to 10s', () => {
  const config = parseConfigText(
    `
store: { dir: /tmp/unused }
resources:
  - { id: pg, kind: postgres, listen: { host: 127.0.0.1, port: 0 }, target: ${target()} }
`,
    'test.yaml',
  )
  const resource = config.resources[0]
  assert.equal(resource?.kind === 'postgres' && resource.target.loginTimeout, '10s')
})

test('a client logging in through the gateway to a target that never answers is refused as unavailable', async () => {
  await using gw = await startPostgresGateway({ target: target('1s') })
  const { credential } = await gw.grant('*:*')
  const result = await psql(gw.env(credential), 'SELECT 1')
  assert.notEqual(result.code, 0)
  assert.match(result.stderr, /FATAL/)
})

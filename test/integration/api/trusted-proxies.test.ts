// api.trustedProxies: behind a load balancer the API counts failed logins by the client the balancer names
// in X-Forwarded-For, so one client's failures do not refuse every client of the balancer; from an address
// not listed, X-Forwarded-For is not believed (a client could name anyone).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText } from '../../../src/config/load.ts'
import { openEmbeddedCore } from '../../support/embedded-core.ts'
import { listenApiServer } from '../../support/listen-api-server.ts'

const config = (trusted: string) =>
  parseConfigText(
    `
api: { listen: { port: 0 }, trustedProxies: [${trusted}] }
resources: []
policies: []
limits: { failedLogins: { perSource: 2, perPrincipal: 100, window: 10m } }
`,
    'trusted-proxies.yaml',
  )

async function statusFrom(url: string, forwardedFor: string, n: number): Promise<number> {
  const res = await fetch(`${url}/v1/whoami`, {
    headers: { authorization: `Bearer tgk_wrong_${n}`, 'x-forwarded-for': forwardedFor },
  })
  await res.arrayBuffer()
  return res.status
}

test('from a trusted balancer, failed logins count per forwarded client', async () => {
  await using embedded = await openEmbeddedCore(config('127.0.0.1'))
  const { server, url } = await listenApiServer(embedded.core)
  try {
    for (let i = 0; i < 3; i++) await statusFrom(url, '10.0.0.3', i)
    assert.equal(await statusFrom(url, '10.0.0.3', 9), 429, 'the failing client is limited')
    assert.equal(await statusFrom(url, '10.0.0.2', 10), 401, 'another client is not (only its key is wrong)')
  } finally {
    await server.close()
  }
})

test('from anywhere else, X-Forwarded-For is ignored', async () => {
  await using embedded = await openEmbeddedCore(config('10.9.9.9'))
  const { server, url } = await listenApiServer(embedded.core)
  try {
    for (let i = 0; i < 3; i++) await statusFrom(url, '10.0.0.3', i)
    assert.equal(await statusFrom(url, '10.0.0.2', 10), 429, 'the header names another client in vain')
  } finally {
    await server.close()
  }
})

// `--ttl` over the policy's maxTtl is denied (not shortened), and the help text says so.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runTaskgate } from '../../support/run-taskgate.ts'
import { prepareGateway, startInProcess } from '../../support/start-full-gateway.ts'

test('grant request --help and a TTL over maxTtl agree: the request is denied with the maximum', async () => {
  const help = await runTaskgate(['grant', 'request', '--help'])
  assert.match(help.stdout, /--ttl DURATION +how long \(90s, 15m, 2h\); over the policy maxTtl is denied/)
  assert.doesNotMatch(help.stdout, /capped/)

  await using setup = await prepareGateway()
  await using gw = await startInProcess(setup)
  const { agent } = await setup.keys()
  const r = await runTaskgate(
    [
      'grant',
      'request',
      setup.resourceId,
      '--scope',
      'select:public.*',
      '--task',
      'ttl check',
      '--ttl',
      '2h',
      '--json',
    ],
    { env: { TASKGATE_API: gw.api, TASKGATE_TOKEN: agent } },
  )
  assert.equal(r.code, 3, r.stderr)
  const grant = JSON.parse(r.stdout) as { status: string; reason: string }
  assert.equal(grant.status, 'denied')
  assert.match(grant.reason, /Requested TTL 2h exceeds the maximum 1h on "[^"]+"; ask for 1h or less/)
})

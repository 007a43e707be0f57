// What traces cost the control plane: the gateway's own CPU time per API grant request (a request, its
// authentication, the grant, the credential, the store calls) and per PostgreSQL login, with traces off and
// on (exporting to the stand-in OTLP receiver of the tests, in this process too, so its decoding is counted
// as well: an upper bound). Rounds alternate off/on in one process; prints µs of CPU per operation and the
// on/off ratios. Statements are not traced, so they are not measured here.
//   flock /work/.bench.lock node bench/control-plane-traces.ts [--requests 300] [--rounds 3]
import { parseArgs } from 'node:util'
import pg from 'pg'
import { startOtlpTraceReceiver } from '../test/support/otlp-trace-receiver.ts'
import { callApi } from '../test/support/start-full-gateway.ts'
import { startTracedGateway } from '../test/support/traced-gateway.ts'

const { values } = parseArgs({
  options: { requests: { type: 'string', default: '300' }, rounds: { type: 'string', default: '3' } },
})
const requests = Number(values.requests)
const rounds = Number(values.rounds)

interface Credential {
  username: string
  password: string
  connection: { host: string; port: number; database: string }
}

async function round(traces: string): Promise<{ grantUs: number; loginUs: number; spans: number }> {
  await using receiver = await startOtlpTraceReceiver()
  await using gw = await startTracedGateway({
    traces: traces.replace('RECEIVER', receiver.url),
  })
  const credentials: Credential[] = []
  let start = process.cpuUsage()
  for (let i = 0; i < requests; i++) {
    const answer = await callApi<{ credential: Credential }>(gw.api, gw.keys.agent, 'POST', '/v1/grants', {
      resource: gw.resourceId,
      scope: 'select:public.*',
      task: `bench ${i}`,
    })
    if (answer.status !== 201) throw new Error(`grant request answered ${answer.status}`)
    if (i % 10 === 0) credentials.push(answer.body.credential)
  }
  let used = process.cpuUsage(start)
  const grantUs = (used.user + used.system) / requests
  start = process.cpuUsage()
  for (const c of credentials) {
    const client = new pg.Client({ ...c.connection, user: c.username, password: c.password })
    await client.connect()
    await client.end()
  }
  used = process.cpuUsage(start)
  const loginUs = (used.user + used.system) / credentials.length
  await gw.close()
  return { grantUs, loginUs, spans: receiver.spans.length }
}

const OFF = '{}'
const ON = '{ enabled: true, endpoint: "RECEIVER", scheduledDelay: 1s }'
const results: Array<{ off: Awaited<ReturnType<typeof round>>; on: Awaited<ReturnType<typeof round>> }> = []
// Warm-up: module loading (the SDK is imported at the first round with traces on) and JIT.
await round(OFF)
await round(ON)
for (let r = 0; r < rounds; r++) results.push({ off: await round(OFF), on: await round(ON) })
for (const [i, { off, on }] of results.entries()) {
  process.stdout.write(
    `round ${i + 1}: grant request ${off.grantUs.toFixed(0)} µs off, ${on.grantUs.toFixed(0)} µs on (${(on.grantUs / off.grantUs).toFixed(2)}x); ` +
      `login ${off.loginUs.toFixed(0)} µs off, ${on.loginUs.toFixed(0)} µs on (${(on.loginUs / off.loginUs).toFixed(2)}x); ${on.spans} spans exported\n`,
  )
}
process.stdout.write(
  'CPU of this process (gateway, clients and the stand-in receiver together) per operation\n',
)

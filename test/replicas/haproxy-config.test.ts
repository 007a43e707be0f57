// deploy/haproxy/haproxy.cfg as shipped: HAProxy accepts it with and without its connection log
// (TG_LB_LOG), and it keeps what the replica soak showed it needs: a connection refused by a dead replica is
// redispatched at its first retry, and a replica refusing connections is taken out without waiting for three
// failed checks.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { HAPROXY_CFG } from '../support/replica-cluster.ts'

const HAPROXY = process.env.TASKGATE_HAPROXY ?? '/usr/sbin/haproxy'
const env = {
  PATH: process.env.PATH,
  TG_LB_HOST: '127.0.0.1',
  TG_LB_API_PORT: '18470',
  TG_LB_PG_PORT: '15432',
  TG_A_HOST: '127.0.0.1',
  TG_A_API_PORT: '18471',
  TG_A_PG_PORT: '15433',
  TG_B_HOST: '127.0.0.1',
  TG_B_API_PORT: '18472',
  TG_B_PG_PORT: '15434',
}

for (const log of [false, true]) {
  test(`haproxy -c accepts the file ${log ? 'with' : 'without'} TG_LB_LOG`, () => {
    const out = execFileSync(HAPROXY, ['-c', '-f', HAPROXY_CFG], {
      env: { ...env, ...(log ? { TG_LB_LOG: '1' } : {}) },
      encoding: 'utf8',
    })
    assert.match(out, /Configuration file is valid/)
  })
}

test('a dead replica is skipped at the first retry and taken out on refused connections', () => {
  const text = readFileSync(HAPROXY_CFG, 'utf8')
  assert.match(text, /^\s*option redispatch 1$/m)
  const checked = text.match(/^\s*default-server check .*$/gm) ?? []
  assert.equal(checked.length, 2)
  for (const line of checked) {
    assert.match(line, /observe layer4 error-limit \d+ on-error mark-down/)
    assert.match(line, /slowstart \d+s/)
  }
})

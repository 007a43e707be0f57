// A typo in a scope verb is refused where it is written: in a grant request (API and CLI) and by
// `taskgate config check`, each naming the entry and listing the verbs the resource kind knows.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { runTaskgate } from '../../support/run-taskgate.ts'
import { callApi, prepareGateway, startInProcess } from '../../support/start-full-gateway.ts'

test('a grant request with an unknown verb is refused with the valid verbs; a known one is granted', async () => {
  await using setup = await prepareGateway()
  await using gw = await startInProcess(setup)
  const { agent } = await setup.keys()
  const request = (scope: string) =>
    callApi<{ code?: string; detail?: string }>(gw.api, agent, 'POST', '/v1/grants', {
      resource: setup.resourceId,
      scope,
      task: 'scope verb check',
      ttl: '5m',
    })
  const typo = await request('select:public.a,selcet:public.*')
  assert.equal(typo.status, 400, JSON.stringify(typo.body))
  assert.equal(typo.body.code, 'TG_SCOPE_INVALID')
  assert.match(
    typo.body.detail ?? '',
    /Scope entry "selcet:public\.\*": unknown verb "selcet" for postgres resources; valid verbs: \*, select, insert/,
  )
  assert.equal((await request('select:public.a,update:public.b')).status, 201)

  const cli = await runTaskgate(
    ['grant', 'request', setup.resourceId, '--scope', 'delet:public.t', '--task', 'cli check', '--ttl', '5m'],
    { env: { TASKGATE_API: gw.api, TASKGATE_TOKEN: agent } },
  )
  assert.notEqual(cli.code, 0)
  assert.match(cli.stderr, /unknown verb "delet" for postgres resources; valid verbs: \*, select/)
})

test('taskgate config check rejects an unknown verb in a policy with its path', async () => {
  await using setup = await prepareGateway()
  const file = join(setup.dir, 'typo.yaml')
  const { readFile } = await import('node:fs/promises')
  const yaml = (await readFile(setup.configPath, 'utf8')).replace(
    'autoApprove: ["*:*"]',
    'autoApprove: ["selcet:public.*"]',
  )
  await writeFile(file, yaml)
  const bad = await runTaskgate(['config', 'check', file])
  assert.notEqual(bad.code, 0)
  assert.match(
    bad.stderr,
    /policies\[0\]\.autoApprove\[0\]: unknown verb "selcet" for postgres resources; valid verbs: \*, select/,
  )
  const good = await runTaskgate(['config', 'check', setup.configPath])
  assert.equal(good.code, 0, good.stderr)
})

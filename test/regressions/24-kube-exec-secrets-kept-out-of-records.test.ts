// `kubectl exec web -- curl -H 'Authorization: Bearer eyJ…'`: the command is a request target's query
// (`?command=…`) and the exec's text, and it was recorded, audited and written into the terminal recording's
// header verbatim, allowed or denied (a denial also names the missing per-command entry, the token in it);
// what the container printed was recorded as `exec stdout` unmasked although the terminal recording masked
// it. SSH masks the same credentials in its commands and output. Real kubectl, real gateway, the stream
// stand-in (test/support/kube-stream-stand-in.ts) in place of a kubelet.
import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { startStreamStandIn } from '../support/kube-stream-stand-in.ts'
import { startKubeGateway } from '../support/start-kube-gateway.ts'

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWc'

test('an exec command and its output keep credentials out of records, audit and the terminal recording', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tg-kube-exec-secret-'))
  await using standIn = await startStreamStandIn(dir)
  await using g = await startKubeGateway(standIn)
  const { kubeconfig, grant } = await g.grant('get:pods@team-a,exec:web@team-a:echo *')
  const echo = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'echo', `Bearer ${JWT}`])
  assert.equal(echo.code, 0, echo.stderr)
  assert.equal(echo.stdout, `Bearer ${JWT}\n`, 'the client gets its output as it is')
  const denied = await g.kubectl(kubeconfig, [
    '-n',
    'team-a',
    'exec',
    'web',
    '--',
    'curl',
    '-H',
    `Bearer ${JWT}`,
  ])
  assert.notEqual(denied.code, 0)
  assert.match(denied.stderr, /missing scope: exec:web@team-a:curl/)

  const seen = async () => {
    const sessions = await g.gateway.core.listSessions(g.agent, { grantId: grant.id })
    return (await Promise.all(sessions.map((s) => g.gateway.core.getSession(g.agent, s.id)))).flatMap(
      (s) => s.actions,
    )
  }
  // The recorder writes in batches: wait for the denial and the stream's end to land.
  let actions = await seen()
  for (
    let i = 0;
    i < 200 && !(actions.some((a) => a.kind === 'exec end') && actions.some((a) => a.outcome === 'deny'));
    i++
  ) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    actions = await seen()
  }
  assert.ok(actions.some((a) => a.kind === 'exec stdout' && a.text.includes('Bearer ****')))
  assert.ok(actions.some((a) => a.outcome === 'deny' && a.text.includes('curl')))
  for (const a of actions) assert.ok(!JSON.stringify(a).includes(JWT.slice(0, 40)), JSON.stringify(a))
  const audit = JSON.stringify(await g.gateway.core.listAudit(g.approver, {}))
  assert.ok(!audit.includes(JWT.slice(0, 40)), 'the token reached the audit log')
  const casts = (await readdir(g.dir, { recursive: true })).filter((f) => String(f).endsWith('.cast'))
  assert.ok(casts.length > 0)
  for (const cast of casts)
    assert.ok(!(await readFile(join(g.dir, String(cast)), 'utf8')).includes(JWT.slice(0, 40)), String(cast))
  await rm(dir, { recursive: true, force: true })
})

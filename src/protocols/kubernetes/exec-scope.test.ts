import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseScope, type Scope, scopeCovers, scopeObjectProblem } from '../../core/index.ts'
import { kubernetesScopeObject } from '../../kinds/kubernetes-scope.ts'
import { classifyRequest } from './classify.ts'

/** A written scope as a Kubernetes grant holds it (canonical objects). */
const kube = (text: string): Scope =>
  parseScope(text).map((e) => ({ verb: e.verb, object: kubernetesScopeObject(e.object) }))
/** The per-command need of `kubectl exec POD -n NS -- ARGV`. */
const need = (pod: string, namespace: string, ...argv: string[]) => {
  const query = argv.map((a) => `command=${encodeURIComponent(a)}`).join('&')
  const { commandNeed } = classifyRequest('POST', `/api/v1/namespaces/${namespace}/pods/${pod}/exec?${query}`)
  assert.ok(commandNeed)
  return commandNeed
}

test('an exec needs exec:<pod>@<namespace>:<argv> in the SSH canonical form, names lower-cased, words as typed', () => {
  assert.deepEqual(need('Web-1', 'Team-A', 'ls', '-la', '/Data'), {
    verb: 'exec',
    object: 'web-1@team-a:ls -la /Data',
  })
  assert.deepEqual(need('web', 'a', 'sh', '-c', 'echo a; id'), {
    verb: 'exec',
    object: "web@a:sh -c 'echo a; id'",
  })
  assert.equal(need('web', 'a', 'echo', 'a;', 'b').object, "web@a:echo 'a;' b")
})

test('per-command entries cover their commands token by token; pod and namespace are globs', () => {
  const scope = kube('exec:web-*@team-a:ls -la *,exec:db@*:psql -c *,exec:tools@team-b:*')
  const yes = [
    need('web-1', 'team-a', 'ls', '-la'),
    need('web-1', 'team-a', 'ls', '-la', '/var/log'),
    need('db', 'anywhere', 'psql', '-c', 'select 1'),
    need('tools', 'team-b', 'rm', '-rf', '/tmp/x'),
  ]
  for (const wanted of yes) assert.ok(scopeCovers(scope, wanted), wanted.object)
  const no = [
    need('web-1', 'team-a', 'ls', '-l'),
    need('web-1', 'team-a', 'cat', '/etc/passwd'),
    need('api', 'team-a', 'ls', '-la'),
    need('web-1', 'team-b', 'ls', '-la'),
    need('tools', 'team-c', 'ls'),
    // The command keeps its case: `ls -la *` is not `LS -la`.
    need('web-1', 'team-a', 'LS', '-la'),
  ]
  for (const wanted of no) assert.ok(!scopeCovers(scope, wanted), wanted.object)
})

test('resource-form entries (a ceiling of *:*@team-a) cover any command of the execs they cover', () => {
  assert.ok(scopeCovers(kube('*:*@team-a'), need('web', 'team-a', 'reboot')))
  assert.ok(scopeCovers(kube('*:pods/exec@team-a'), need('web', 'team-a', 'reboot')))
  assert.ok(!scopeCovers(kube('*:*@team-b'), need('web', 'team-a', 'reboot')))
  assert.ok(!scopeCovers(kube('*:pods@team-a'), need('web', 'team-a', 'reboot')), 'pods is not pods/exec')
  assert.ok(scopeCovers(kube('*:*'), need('web', 'team-a', 'reboot')))
})

test('malformed exec entries are refused with the form to write; SSH exec entries are unchanged', () => {
  const problem = (text: string, kind = 'kubernetes') =>
    scopeObjectProblem((kind === 'kubernetes' ? kube(text) : parseScope(text))[0]!)
  assert.match(problem('exec:web@team-a') ?? '', /exec:<pod>@<namespace>:<command>/)
  assert.match(problem('exec:web@team-a:ls $(id)') ?? '', /command pattern/)
  assert.match(problem('exec:We_b@team-a:ls') ?? '', /not a pod name/)
  assert.equal(problem('exec:web@team-a:ls -la *'), undefined)
  assert.equal(problem('exec:deploy:ssh user@host', 'ssh'), undefined)
  assert.equal(problem('exec:deploy:systemctl status *', 'ssh'), undefined)
  assert.ok(
    scopeCovers(parseScope('exec:deploy:systemctl status *'), {
      verb: 'exec',
      object: 'deploy:systemctl status web',
    }),
  )
  assert.ok(
    !scopeCovers(parseScope('exec:*:ls'), need('web', 'a', 'ls')),
    'an SSH login pattern is not a pod',
  )
})

test("per-command entries are the core group's pods' only: another group's pods/exec needs its create", () => {
  const other = classifyRequest(
    'POST',
    '/apis/evil.example.com/v1/namespaces/team-a/pods/web/exec?command=ls',
  )
  assert.equal(other.commandNeed, undefined)
  assert.equal(other.action.needs[0]!.object, 'pods.evil.example.com/exec:web@team-a')
  assert.ok(!scopeCovers(kube('exec:web@team-a:*'), other.action.needs[0]!))
})

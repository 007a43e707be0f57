// `kubectl exec -it` runs the command on a terminal: the client drives the program by keystrokes once it runs
// (`git log` or `man` start a pager there, whose `!sh` runs anything in the container). A per-command entry
// (`exec:web@team-a:echo *`) therefore never covers an exec with `tty=true`: it needs the pod's any-command
// entry (`exec:web@team-a:*`). Real kubectl (given a terminal by `script`), real gateway, and the stream
// stand-in (test/support/kube-stream-stand-in.ts) in place of a kubelet.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { startStreamStandIn } from '../support/kube-stream-stand-in.ts'
import { startKubeGateway } from '../support/start-kube-gateway.ts'

/** kubectl run under `script`, so its stdin is a terminal and `-t` asks the server for one. */
function kubectlOnTerminal(kubeconfig: string, args: string[]): Promise<string> {
  const command = ['kubectl', '--kubeconfig', kubeconfig, ...args].map((a) => `'${a}'`).join(' ')
  return new Promise((resolve) => {
    const child = execFile(
      'script',
      ['-q', '-e', '-c', command, '/dev/null'],
      { timeout: 120_000 },
      (_e, out, err) => resolve(`${out}${err}`),
    )
    child.stdin!.end()
  })
}

test('a per-command exec entry does not cover the command run on a terminal', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tg-kube-tty-'))
  await using standIn = await startStreamStandIn(dir)
  await using g = await startKubeGateway(standIn)
  const { kubeconfig } = await g.grant('get:pods@team-a,exec:web@team-a:echo *')
  const plain = await g.kubectl(kubeconfig, ['-n', 'team-a', 'exec', 'web', '--', 'echo', 'fine'])
  assert.equal(plain.code, 0, plain.stderr)
  assert.equal(plain.stdout, 'fine\n')

  const onTerminal = await kubectlOnTerminal(kubeconfig, [
    '-n',
    'team-a',
    'exec',
    '-it',
    'web',
    '--',
    'echo',
    'x',
  ])
  assert.match(onTerminal, /Forbidden/)
  assert.match(onTerminal, /missing scope: exec:web@team-a:\*/)

  const wide = await g.grant('get:pods@team-a,exec:web@team-a:*')
  const allowed = await kubectlOnTerminal(wide.kubeconfig, [
    '-n',
    'team-a',
    'exec',
    '-it',
    'web',
    '--',
    'echo',
    'x',
  ])
  assert.doesNotMatch(allowed, /Forbidden/)
  assert.match(allowed, /x/)
  await rm(dir, { recursive: true, force: true })
})

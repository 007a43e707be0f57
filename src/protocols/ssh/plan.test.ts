// The SSH planner as core uses it (core/grants/grant-plan.ts: the plan's needs become the scope asked for,
// an unclassified line refuses the plan, recorded commands whose shape no planned line has are off the plan).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ResourceConfig } from '../../config/schema.ts'
import { classifyExec } from './command/index.ts'
import { sshPlanStatements } from './plan.ts'
import { sshReclassifier } from './replay.ts'

const one = { kind: 'ssh', logins: ['deploy'] } as unknown as ResourceConfig
const two = { kind: 'ssh', logins: ['deploy', 'root'] } as unknown as ResourceConfig

const PLAN = `# restart the app
systemctl restart app
journalctl -u app -n 50
`

test('a plan of commands needs exactly those commands as the only login', () => {
  const planned = sshPlanStatements(PLAN, one)
  assert.deepEqual(
    planned.map((p) => p.needs.map((e) => `${e.verb}:${e.object}`)),
    [['exec:deploy:systemctl restart app'], ['exec:deploy:journalctl -u app -n 50']],
  )
  assert.deepEqual(
    planned.map((s) => s.text),
    ['deploy$ systemctl restart app', 'deploy$ journalctl -u app -n 50'],
  )
  assert.ok(planned.every((p) => p.unclassified === undefined))
  // Checked again as planned (plan-check.ts): the stored line classifies as the command it names.
  assert.deepEqual(
    sshReclassifier(planned[0]!.text, one, { kind: 'plan' }),
    classifyExec('systemctl restart app', 'deploy'),
  )
})

test('with several logins each line names its login; a line that does not, or does not parse, is unclassified', () => {
  const planned = sshPlanStatements('root$ apt-get update\ndeploy$ ls /srv', two)
  assert.deepEqual(
    planned.map((p) => p.needs.map((e) => `${e.verb}:${e.object}`)),
    [['exec:root:apt-get update'], ['exec:deploy:ls /srv']],
  )
  assert.match(
    sshPlanStatements('ls /srv', two)[0]?.unclassified ?? '',
    /write the line as "<login>\$ <command>"/,
  )
  assert.ok(sshPlanStatements('echo "unterminated', one)[0]?.unclassified)
  // `x$` is no configured login: the whole line is the command.
  assert.deepEqual(sshPlanStatements('x$ y', one)[0]?.text, 'deploy$ x$ y')
})

test('a recorded command has the shape of its planned line whatever the login and spacing', () => {
  const shapes = new Set(
    sshPlanStatements('root$ systemctl restart app\ndeploy$ cat "$HOME/x"', two).map((p) => p.shape),
  )
  const shape = (text: string) => sshPlanStatements(text, two)[0]?.shape ?? ''
  assert.ok(shapes.has(shape('systemctl  restart app')))
  assert.ok(shapes.has(shape('cat  "$HOME/x"')))
  assert.ok(!shapes.has(shape('cat /etc/shadow')))
})

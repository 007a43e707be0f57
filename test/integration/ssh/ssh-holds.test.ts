// Holds through the gateway against a real sshd, with the ssh2 client: an exec a rule holds waits (the
// client reads the approval id on stderr) and runs once when a person approves it; a denied hold ends with
// status 126; a shell a rule holds starts only once approved.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Client, ClientChannel } from 'ssh2'
import { startSshGateway } from '../../support/start-ssh-gateway.ts'

const HOLDS = `
guardrails:
  - id: hold-hostname
    description: hostname waits for a person
    action: approve
    match: { traits: ["program:hostname"] }
    approvers: [$APPROVERS]
  - id: hold-shells
    description: shells wait for a person
    action: approve
    match: { needs: ["shell:root"] }
    approvers: [$APPROVERS]
`

interface Held {
  /** The approval id, once the client read the waiting line. */
  approvalId: Promise<string>
  done: Promise<{ code: number | null; stdout: string; stderr: string }>
  channel: Promise<ClientChannel>
}

function held(open: (callback: (error: Error | undefined, channel: ClientChannel) => void) => void): Held {
  let approved!: (id: string) => void
  const approvalId = new Promise<string>((resolve) => {
    approved = resolve
  })
  let opened!: (channel: ClientChannel) => void
  const channel = new Promise<ClientChannel>((resolve) => {
    opened = resolve
  })
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) =>
    open((error, ch) => {
      if (error) return reject(error)
      opened(ch)
      let stdout = ''
      let stderr = ''
      let code: number | null = null
      ch.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
      })
      ch.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        const id = /waiting for approval (\S+)/.exec(stderr)?.[1]
        if (id) approved(id)
      })
      ch.on('exit', (c: number | null) => {
        code = c
      })
      ch.on('close', () => resolve({ code, stdout, stderr }))
    }),
  )
  return { approvalId, done, channel }
}

const execHeld = (client: Client, command: string) => held((cb) => client.exec(command, cb as never))

const commandsRun = (log: string) => log.match(/Starting session: command/g)?.length ?? 0

test('a held exec waits, then runs once when approved; a denied one ends with 126', async () => {
  await using g = await startSshGateway({ extraConfig: HOLDS })
  const { credential } = await g.grant('exec:root:*')
  const client = await g.connect(credential)
  const first = execHeld(client, 'hostname')
  const approvalId = await first.approvalId
  assert.equal(commandsRun(g.sshd.log()), 0, 'nothing ran while held')
  await g.gateway.core.decideApproval(g.approver, approvalId, 'approve', 'looked at it')
  const ran = await first.done
  assert.equal(ran.code, 0)
  assert.ok(ran.stdout.trim().length > 0)
  assert.equal(commandsRun(g.sshd.log()), 1)

  const second = execHeld(client, 'hostname')
  await g.gateway.core.decideApproval(g.approver, await second.approvalId, 'deny', 'not now')
  const refused = await second.done
  assert.equal(refused.code, 126)
  assert.match(refused.stderr, /taskgate: denied \(rule approval\): Denied by .*: not now/)
  assert.equal(commandsRun(g.sshd.log()), 1, 'the denied command never ran')
})

test('a held shell starts only once approved', async () => {
  await using g = await startSshGateway({ extraConfig: HOLDS })
  const { credential } = await g.grant('shell:root')
  const client = await g.connect(credential)
  const shell = held((cb) => client.shell(false, cb as never))
  const approvalId = await shell.approvalId
  assert.doesNotMatch(g.sshd.log(), /Starting session: shell/)
  await g.gateway.core.decideApproval(g.approver, approvalId, 'approve', 'go ahead')
  const channel = await shell.channel
  channel.end('echo shell-$((6*7))\nexit 5\n')
  const ended = await shell.done
  assert.match(ended.stdout, /shell-42/)
  assert.equal(ended.code, 5)
})

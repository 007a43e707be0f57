// Running Debian's OpenSSH client against an SSH gateway the tests started: the arguments
// `taskgate connect ID -- ssh …` gives it (the CLI-written login key, 0600), with the gateway's host key
// pinned in a known_hosts file and batch mode (no prompt can hang a test).
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { IssuedCredential } from '../../src/core/index.ts'
import { sshKind } from '../../src/kinds/ssh.ts'
import type { SshGateway } from './start-ssh-gateway.ts'

export interface Run {
  code: number
  stdout: string
  stderr: string
}

export function run(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { env: options.env ?? process.env, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
    child.stdin!.end(options.input ?? '')
  })
}

/** What `taskgate connect ID -- ssh` runs: the key file written 0600, the kind's arguments. */
export async function sshArgs(g: SshGateway, credential: IssuedCredential): Promise<string[]> {
  const keyFile = join(g.dir, `${credential.connection.user}.key`)
  const connection = { ...credential.connection, keyFile }
  await writeFile(keyFile, sshKind.client.privateKey!(connection), { mode: 0o600 })
  const knownHosts = join(g.dir, 'known_hosts')
  await writeFile(knownHosts, `[127.0.0.1]:${g.port} ${await g.hostKey()}\n`)
  return [
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    ...sshKind.client.argumentsFor('ssh', connection),
  ]
}

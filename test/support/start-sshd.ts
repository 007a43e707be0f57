// A throwaway OpenSSH server (Debian's sshd) started in the foreground on a free port, trusting a given
// user CA (TrustedUserCAKeys) and, optionally, authorized keys: what the SSH engine's tests reach through
// the gateway. Its own Ed25519 host key is generated per start (its public line is `hostKey`).
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateEd25519, openSshPrivateKey, publicKeyLine } from '../../src/kinds/ssh-keys.ts'
import { freePort } from './free-port.ts'

export { freePort }

export interface ThrowawaySshd extends AsyncDisposable {
  port: number
  /** `ssh-ed25519 AAAA…`: the server's host key. */
  hostKey: string
  /** What sshd wrote to stderr so far (its log). */
  log(): string
  process: ChildProcess
}

export async function startSshd(options: {
  /** Public key lines of the user CAs sshd trusts. */
  trustedUserCaKeys?: string[]
  /** Public key lines accepted for every login (authorized_keys). */
  authorizedKeys?: string[]
  extraConfig?: string
}): Promise<ThrowawaySshd> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-sshd-'))
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 })
  const hostKey = generateEd25519()
  await writeFile(join(dir, 'host_ed25519'), openSshPrivateKey(hostKey), { mode: 0o600 })
  await writeFile(join(dir, 'user_ca.pub'), `${(options.trustedUserCaKeys ?? []).join('\n')}\n`)
  await writeFile(join(dir, 'authorized_keys'), `${(options.authorizedKeys ?? []).join('\n')}\n`)
  // freePort's port can be taken by another process before sshd binds it: sshd then exits saying so, and
  // is started again on another.
  let started: { port: number; child: ChildProcess; log: () => string } | undefined
  for (let attempt = 0; !started; attempt++) {
    try {
      started = await startOn(dir, await freePort(), options)
    } catch (error) {
      if (attempt >= 4 || !/Address already in use/.test(String(error))) throw error
    }
  }
  const { port, child, log } = started
  return {
    port,
    hostKey: publicKeyLine(hostKey.publicKey),
    log,
    process: child,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function startOn(
  dir: string,
  port: number,
  options: { trustedUserCaKeys?: string[]; authorizedKeys?: string[]; extraConfig?: string },
): Promise<{ port: number; child: ChildProcess; log: () => string }> {
  // sshd keeps the first value it reads for a keyword: the test's own lines come first.
  const config = [
    options.extraConfig ?? '',
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_ed25519')}`,
    'PidFile none',
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin yes',
    `TrustedUserCAKeys ${join(dir, 'user_ca.pub')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AllowTcpForwarding yes',
    'AllowAgentForwarding yes',
    'X11Forwarding yes',
    'AcceptEnv LANG LC_* TG_*',
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    // Bash run by sshd reads ~/.bashrc unless SHLVL says it is nested: the machine's own (on CI's image, root's
    // runs `pyenv init`, ~0.3 s a command idle and tens of seconds a round of concurrent commands under the
    // suite's load) is not what these tests measure, and made the SSH tests time out on CI.
    'SetEnv SHLVL=1',
  ].join('\n')
  await writeFile(join(dir, 'sshd_config'), `${config}\n`)
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let log = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    if (log.length < 1024 * 1024) log += chunk.toString()
  })
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (log.includes('Server listening')) resolve()
      else if (child.exitCode !== null) reject(new Error(`sshd exited: ${log}`))
      else setTimeout(check, 20)
    }
    check()
  })
  return { port, child, log: () => log }
}

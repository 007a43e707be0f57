// A throwaway MariaDB server with TLS (a self-signed certificate for 127.0.0.1) and a 64 MiB
// max_allowed_packet, for what the machine's shared MariaDB cannot show without changing it for everyone:
// TLS to the target (its TLS is off) and packets of 16 MiB and more (its limit is 16 MiB). Runs as the
// mysql user when the tests run as root (STACK.md: mariadb-install-db, then mariadbd --no-defaults).
import { execFile, spawn } from 'node:child_process'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './free-port.ts'

const run = promisify(execFile)

export interface ThrowawayMariadb extends AsyncDisposable {
  port: number
  /** The server process (mariadbd itself), gone once disposed. */
  pid: number
  /** The server's self-signed certificate, to verify it with (`target.caFile`). */
  caFile: string
}

/** A self-signed certificate for 127.0.0.1 and its key (openssl), valid for a day. */
export async function selfSignedCertificate(certFile: string, keyFile: string): Promise<void> {
  const subject = ['-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']
  await run('openssl', [
    'req',
    '-new',
    '-x509',
    '-days',
    '1',
    '-nodes',
    ...subject,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ])
}

export async function startMariadb(): Promise<ThrowawayMariadb> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-mariadb-'))
  const asRoot = process.getuid?.() === 0
  const as = (tool: string, args: string[]) =>
    asRoot ? ['runuser', ['-u', 'mysql', '--', tool, ...args]] : [tool, args]
  const cert = join(dir, 'server.crt')
  const key = join(dir, 'server.key')
  await selfSignedCertificate(cert, key)
  await chmod(key, 0o644)
  if (asRoot) await run('chown', ['-R', 'mysql', dir])
  const data = join(dir, 'data')
  const [installCmd, installArgs] = as('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${data}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]) as [string, string[]]
  await run(installCmd, installArgs)
  const port = await freePort()
  // mariadbd itself is the child (it drops to the mysql user with --user), never runuser: killing a
  // runuser parent left the server running, orphaned, after every test.
  const args = [
    '--no-defaults',
    ...(asRoot ? ['--user=mysql'] : []),
    `--datadir=${data}`,
    `--socket=${join(dir, 's')}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${join(dir, 'pid')}`,
    `--ssl-cert=${cert}`,
    `--ssl-key=${key}`,
    '--max-allowed-packet=64M',
    '--innodb-buffer-pool-size=16M',
    '--skip-log-bin',
  ]
  const server = spawn('/usr/sbin/mariadbd', args, { stdio: 'ignore' })
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()))
  for (let i = 0; ; i++) {
    if (await accepts(port)) break
    if (i > 300 || server.exitCode !== null) {
      server.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
      throw new Error('the throwaway MariaDB did not start')
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    port,
    pid: server.pid!,
    caFile: cert,
    async [Symbol.asyncDispose]() {
      server.kill('SIGKILL')
      await exited
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

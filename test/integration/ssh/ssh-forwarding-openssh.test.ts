// Forwarding and keep-alives with Debian's OpenSSH client through the gateway to a real sshd: `ssh -L` and
// `ssh -D` (SOCKS, driven by curl) reach a local service only when the grant names it as
// `port-forward:LOGIN:HOST:PORT`; `ssh -R` is refused even when granted (recorded with the reason);
// ServerAliveInterval keeps an idle command's session alive (the gateway answers the client's probes).
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { run, sshArgs } from '../../support/openssh-client.ts'
import { type SshGateway, startSshGateway } from '../../support/start-ssh-gateway.ts'
import { freePort } from '../../support/start-sshd.ts'

/** A local HTTP service the forwards aim at. */
async function service(): Promise<AsyncDisposable & { port: number }> {
  const server = http.createServer((_req, res) => res.end('through-the-forward'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** `ssh -N` with `forward` (e.g. `-L 1:h:2`), running until disposed; resolves once `port` listens. */
async function forwarding(
  g: SshGateway,
  scope: string,
  forward: string[],
  port: number,
): Promise<AsyncDisposable & { child: ChildProcess; stderr(): string }> {
  const { credential } = await g.grant(scope)
  const args = await sshArgs(g, credential)
  const child = spawn('ssh', ['-N', '-o', 'ExitOnForwardFailure=yes', ...forward, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const disposable = {
    child,
    stderr: () => stderr,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
    },
  }
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ssh exited ${child.exitCode}: ${stderr}`)
    const listening = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (listening) return disposable
    await sleep(100)
  }
}

/** One HTTP GET through a local port (the ssh -L end); the body, or undefined when the forward failed. */
function getThrough(port: number, targetPort: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host: `127.0.0.1:${targetPort}` } })
    req.on('response', (res) => {
      let body = ''
      res.on('data', (c: Buffer) => {
        body += c.toString()
      })
      res.on('end', () => resolve(body))
    })
    req.on('error', () => resolve(undefined))
  })
}

test('ssh -L reaches a service the grant names, and nothing else', async () => {
  await using g = await startSshGateway()
  await using web = await service()
  const granted = await freePort()
  {
    await using _ = await forwarding(
      g,
      `port-forward:root:127.0.0.1:${web.port}`,
      ['-L', `${granted}:127.0.0.1:${web.port}`],
      granted,
    )
    assert.equal(await getThrough(granted, web.port), 'through-the-forward')
  }
  const refused = await freePort()
  await using ssh = await forwarding(
    g,
    `port-forward:root:127.0.0.1:${web.port + 1}`,
    ['-L', `${refused}:127.0.0.1:${web.port}`],
    refused,
  )
  assert.equal(await getThrough(refused, web.port), undefined)
  await sleep(200)
  assert.match(ssh.stderr(), /open failed|administratively prohibited/)
})

test('ssh -D (SOCKS) reaches a service the grant names, and nothing else', async () => {
  await using g = await startSshGateway()
  await using web = await service()
  const socks = await freePort()
  await using _ = await forwarding(g, `port-forward:root:127.0.0.1:${web.port}`, ['-D', String(socks)], socks)
  const curl = (how: string, url: string) =>
    run('curl', ['-s', '--max-time', '20', how, `127.0.0.1:${socks}`, url])
  const ok = await curl('--socks5', `http://127.0.0.1:${web.port}/`)
  assert.equal(ok.stdout, 'through-the-forward')
  // Another service, and the same one by a name the gateway is given (socks5-hostname): not granted.
  await using other = await service()
  for (const [how, url] of [
    ['--socks5', `http://127.0.0.1:${other.port}/`],
    ['--socks5-hostname', `http://localhost:${web.port}/`],
  ] as const) {
    const refused = await curl(how, url)
    assert.notEqual(refused.code, 0, url)
    assert.equal(refused.stdout, '')
  }
})

test('ssh -R is refused even when port-forward is granted, and the refusal is recorded', async () => {
  await using g = await startSshGateway()
  const { grant, credential } = await g.grant('port-forward:root:*')
  const args = await sshArgs(g, credential)
  const result = await run('ssh', ['-N', '-o', 'ExitOnForwardFailure=yes', '-R', '0:127.0.0.1:9', ...args])
  assert.equal(result.code, 255)
  assert.match(result.stderr, /remote port forwarding failed/)
  let actions: Array<{ text: string; outcome?: string; reason?: string }> = []
  for (let i = 0; i < 100 && !actions.some((a) => a.text === 'tcpip-forward'); i++) {
    const [session] = await g.gateway.core.listSessions(g.admin, { grantId: grant.id })
    if (session) actions = (await g.gateway.core.getSession(g.admin, session.id)).actions
    await sleep(50)
  }
  const refusal = actions.find((a) => a.text === 'tcpip-forward')
  assert.equal(refusal?.outcome, 'deny')
  assert.match(refusal?.reason ?? '', /-R/)
})

test('ServerAliveInterval through the gateway keeps an idle command running', async () => {
  await using g = await startSshGateway()
  const { credential } = await g.grant('exec:root:*')
  const args = await sshArgs(g, credential)
  const result = await run('ssh', [
    '-o',
    'ServerAliveInterval=1',
    '-o',
    'ServerAliveCountMax=1',
    ...args,
    'sleep 4; echo still-here',
  ])
  assert.equal(result.stdout.trim(), 'still-here', result.stderr)
  assert.equal(result.code, 0)
})

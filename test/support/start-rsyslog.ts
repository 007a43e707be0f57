// A throwaway Debian rsyslogd (`rsyslogd -n -f CONF -i PIDFILE`) receiving syslog over TCP (imtcp) on one
// port, plain or TLS through the gtls driver, writing each message's MSGID, structured data and MSG as one
// line of a file the test reads. kill/restart keep the port, so a sender sees an outage, not a new receiver.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from './free-port.ts'
import type { TestCert } from './test-tls-cert.ts'

export interface Rsyslog extends AsyncDisposable {
  port: number
  /** Lines written so far: `MSGID [SD] MSG`. */
  lines(): Promise<string[]>
  kill(signal: NodeJS.Signals): Promise<void>
  start(): Promise<void>
}

function configFor(dir: string, port: number, tls: boolean): string {
  const driver = tls
    ? `global(DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="${dir}/cert.pem"
  DefaultNetstreamDriverCertFile="${dir}/cert.pem" DefaultNetstreamDriverKeyFile="${dir}/key.pem")
`
    : ''
  const streamDriver = tls
    ? ' StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon"'
    : ''
  // A direct main queue: a message is in the file's buffer before imtcp reads the next, and omfile flushes
  // at each batch's end, so what rsyslog read before a SIGKILL is in the file.
  return `global(workDirectory="${dir}" maxMessageSize="64k")
main_queue(queue.type="Direct")
${driver}module(load="imtcp"${streamDriver})
template(name="line" type="string" string="%msgid% %structured-data% %msg%\\n")
ruleset(name="in" queue.type="Direct") {
  action(type="omfile" file="${dir}/out.log" template="line" flushOnTXEnd="on" asyncWriting="off")
}
input(type="imtcp" port="${port}" address="127.0.0.1" ruleset="in")
`
}

export async function startRsyslog(options: { cert?: TestCert } = {}): Promise<Rsyslog> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-rsyslog-'))
  let port = await freePort()
  if (options.cert) {
    await writeFile(join(dir, 'cert.pem'), options.cert.cert)
    await writeFile(join(dir, 'key.pem'), options.cert.key, { mode: 0o600 })
  }
  const confPath = join(dir, 'rsyslog.conf')
  await writeFile(confPath, configFor(dir, port, options.cert !== undefined))
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  let stderr = ''

  /** Stops the child with `signal`; one that has not exited within 5 s is SIGKILLed (rsyslogd was seen
   * hanging in its shutdown, which kept the test file's process alive after its test had failed). */
  async function stop(signal: NodeJS.Signals): Promise<void> {
    const proc = child
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return
    proc.kill(signal)
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }

  /** One rsyslogd, ready when its port accepts a connection (it has no readiness signal in -n mode). */
  async function startOnce(): Promise<boolean> {
    const proc = spawn('/usr/sbin/rsyslogd', ['-n', '-f', confPath, '-i', join(dir, 'rsyslogd.pid')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    proc.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    child = proc
    exited = new Promise((resolve) => proc.once('close', () => resolve()))
    for (let i = 0; i < 100; i++) {
      if (proc.exitCode !== null) throw new Error(`rsyslogd exited: ${stderr}`)
      // rsyslogd keeps running when its port is taken (it only logs this): another test took the free port.
      if (stderr.includes('Could not create tcp listener')) return false
      const ok = await new Promise<boolean>((resolve) => {
        const probe = createServer()
        probe.once('error', () => resolve(true))
        probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)))
      })
      if (ok) {
        // The port being taken may be someone else's: rsyslogd says so on stderr right after its bind.
        await sleep(200)
        return !stderr.includes('Could not create tcp listener')
      }
      await sleep(100)
    }
    return false
  }

  // An rsyslogd whose port another process took between freePort() and its bind (it logs that and runs on
  // without a listener) is replaced; at the first start on a new port (a restart keeps its port: the sender
  // must see an outage, not a new receiver).
  async function start(): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await startOnce()) return
      await stop('SIGKILL')
      if (!started) {
        port = await freePort()
        await writeFile(confPath, configFor(dir, port, options.cert !== undefined))
      }
      stderr = ''
    }
    throw new Error(`rsyslogd did not listen on ${port}: ${stderr}`)
  }
  let started = false

  await start()
  started = true
  return {
    port,
    async lines() {
      const text = await readFile(join(dir, 'out.log'), 'utf8').catch(() => '')
      return text.split('\n').filter((line) => line !== '')
    },
    kill: stop,
    start,
    async [Symbol.asyncDispose]() {
      await stop('SIGTERM')
      await rm(dir, { recursive: true, force: true })
    },
  }
}

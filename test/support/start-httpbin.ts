// A real HTTP upstream: Debian's python3-httpbin (Flask + Werkzeug) on a free loopback port, ready once it
// answers /get. Killed with its process group on dispose.
import { spawn } from 'node:child_process'
import { freePort } from './console.ts'

export interface Httpbin extends AsyncDisposable {
  port: number
  url: string
}

export async function startHttpbin(): Promise<Httpbin> {
  const port = await freePort()
  const child = spawn(
    '/usr/bin/python3',
    ['-m', 'httpbin.core', '--host', '127.0.0.1', '--port', String(port)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    },
  )
  let log = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    if (log.length < 4096) log += chunk.toString()
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`httpbin exited: ${log}`)
    try {
      const res = await fetch(`${url}/get`)
      if (res.ok) break
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`httpbin did not start: ${log}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    port,
    url,
    async [Symbol.asyncDispose]() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {}
      await exited
    },
  }
}

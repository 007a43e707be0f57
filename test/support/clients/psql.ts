// Runs the real psql (and pgbench) against the gateway with a libpq environment.
import { spawn } from 'node:child_process'

export interface RunResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to completion, feeding `input` on stdin; kills it after `timeoutMs`. */
export function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.end(options.input ?? '')
  })
}

/** `psql -X -v ON_ERROR_STOP=1 -At -c <sql>` (no psqlrc, unaligned tuples only). */
export function psql(env: NodeJS.ProcessEnv, sql: string, extraArgs: string[] = []): Promise<RunResult> {
  return run('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', ...extraArgs, '-c', sql], env)
}

/** Interactive-style psql reading a script from stdin (errors do not stop it unless the script says so). */
export function psqlScript(
  env: NodeJS.ProcessEnv,
  script: string,
  extraArgs: string[] = [],
): Promise<RunResult> {
  return run('psql', ['-X', '-At', ...extraArgs], env, { input: script })
}

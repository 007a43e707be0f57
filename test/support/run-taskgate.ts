// Runs the real `bin/taskgate` in a child process, as a user or an agent would, and collects its output.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const TASKGATE_BIN = fileURLToPath(new URL('../../bin/taskgate', import.meta.url))

export interface TaskgateRun {
  code: number
  stdout: string
  stderr: string
}

export function runTaskgate(
  args: string[],
  options: { env?: Record<string, string | undefined>; timeoutMs?: number } = {},
): Promise<TaskgateRun> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = {
      ...process.env,
      TASKGATE_TOKEN: undefined,
      TASKGATE_API: undefined,
      ...options.env,
    }
    const child = spawn(TASKGATE_BIN, args, {
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr })
    })
  })
}

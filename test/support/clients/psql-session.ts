// A long-lived psql child reading statements from stdin, for tests that watch a client wait (a held
// statement) and go on afterwards in the same session. psql flushes its output after each statement.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'

export class PsqlSession implements AsyncDisposable {
  readonly #child: ChildProcessWithoutNullStreams
  readonly exited: Promise<number | null>
  stdout = ''
  stderr = ''

  constructor(env: NodeJS.ProcessEnv, extraArgs: string[] = []) {
    this.#child = spawn('psql', ['-X', '-At', ...extraArgs], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    this.#child.stdout.setEncoding('utf8').on('data', (d: string) => {
      this.stdout += d
    })
    this.#child.stderr.setEncoding('utf8').on('data', (d: string) => {
      this.stderr += d
    })
    this.exited = new Promise((resolve) => this.#child.on('close', (code) => resolve(code)))
  }

  /** Writes statements to psql's stdin (end each with `;` and a newline). */
  send(sql: string): void {
    this.#child.stdin.write(sql)
  }

  /** Waits until `stream` has at least `count` matches of the global regex `re`; returns them all. */
  async waitFor(
    stream: 'stdout' | 'stderr',
    re: RegExp,
    count = 1,
    timeoutMs = 15_000,
  ): Promise<RegExpExecArray[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = [...this[stream].matchAll(new RegExp(re.source, `${re.flags.replace('g', '')}g`))]
      if (found.length >= count) return found
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${re} x${count} on ${stream}:\n${this[stream]}`)
      await sleep(20)
    }
  }

  /** The id of the `n`-th (1-based) approval this session was told to wait for. */
  async approvalId(n = 1): Promise<string> {
    const found = await this.waitFor('stderr', /waiting for approval (\S+)/, n)
    return found[n - 1]![1]!
  }

  /** Ends stdin (psql then exits after the statements sent) and waits for the exit code. */
  async close(): Promise<number | null> {
    this.#child.stdin.end()
    return this.exited
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL')
    await this.exited
  }
}

// The best-effort tripwire of an interactive shell: keystrokes cannot be decided one by one honestly (the
// shell's line editing, history, completion and the programs it runs all see them first), so the gateway
// rebuilds each line the client enters (printable characters, backspace, ^U; escape sequences dropped)
// and, when Enter comes, checks that line against the deny rules before the Enter is forwarded: a match
// ends the session. A line is recorded as a command only once the terminal echoes it back (within
// ECHO_WAIT_MS): what a password prompt reads is never echoed, so never recorded.
const MAX_LINE = 4096
const MAX_ECHO = 8192
const ECHO_WAIT_MS = 1000
/** Most lines waiting for their echo at once: each holds up to MAX_ECHO of output and a timer, and every
 * output chunk is matched against each. A client typing faster than the target echoes (a paste, `stty -echo`
 * and a flood of lines) gets the oldest recorded as not echoed rather than an unbounded set (a 2 MiB paste
 * of short lines held 800 MB and froze the gateway for minutes). */
const MAX_AWAITING = 64

export type LineVerdict = 'forward' | 'stop'

interface Awaiting {
  line: string
  echo: string
  timer: NodeJS.Timeout
}

export class ShellLines {
  #line = ''
  #escape = false
  readonly #awaiting = new Set<Awaiting>()
  readonly #record: (line: string | undefined, length: number) => void

  /** `record` gets each entered line once echoed, or undefined and its length when it never was. */
  constructor(record: (line: string | undefined, length: number) => void) {
    this.#record = record
  }

  /** Output from the target (its echo). */
  output(chunk: Buffer): void {
    if (this.#awaiting.size === 0) return
    const text = chunk.toString('utf8')
    for (const waiting of this.#awaiting) {
      waiting.echo = (waiting.echo + text).slice(-MAX_ECHO)
      if (!waiting.echo.includes(waiting.line)) continue
      clearTimeout(waiting.timer)
      this.#awaiting.delete(waiting)
      this.#record(waiting.line, waiting.line.length)
    }
  }

  /** Feeds typed bytes; `check` decides each completed line before its Enter is forwarded. */
  input(chunk: Buffer, check: (line: string) => LineVerdict): LineVerdict {
    for (const char of chunk.toString('utf8')) {
      if (this.#escape) {
        // CSI and SS3 sequences end with a letter or `~`.
        if (/[A-Za-z~]/.test(char)) this.#escape = false
        continue
      }
      if (char === '\x1b') this.#escape = true
      else if (char === '\r' || char === '\n') {
        const line = this.#line.trim()
        this.#line = ''
        if (line.length === 0) continue
        if (check(line) === 'stop') return 'stop'
        this.#await(line)
      } else if (char === '\x7f' || char === '\b') this.#line = this.#line.slice(0, -1)
      else if (char === '\x15' || char === '\x03') this.#line = ''
      else if (char >= ' ' && this.#line.length < MAX_LINE) this.#line += char
    }
    return 'forward'
  }

  /** Records what is still waiting for its echo as not echoed (the session ends). */
  close(): void {
    for (const waiting of this.#awaiting) {
      clearTimeout(waiting.timer)
      this.#record(undefined, waiting.line.length)
    }
    this.#awaiting.clear()
  }

  #await(line: string): void {
    if (this.#awaiting.size >= MAX_AWAITING) {
      const oldest = this.#awaiting.values().next().value!
      clearTimeout(oldest.timer)
      this.#awaiting.delete(oldest)
      this.#record(undefined, oldest.line.length)
    }
    const waiting: Awaiting = {
      line,
      echo: '',
      timer: setTimeout(() => {
        this.#awaiting.delete(waiting)
        this.#record(undefined, line.length)
      }, ECHO_WAIT_MS),
    }
    waiting.timer.unref()
    this.#awaiting.add(waiting)
  }
}

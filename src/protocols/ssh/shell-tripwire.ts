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
/** Most characters of lines waiting for their echo at once. Each output chunk is searched for each line
 * (the part of the output a new match could end in: the line's length and the chunk's); without a bound on
 * their sum, 64 lines of 4,000 characters typed unechoed (`stty -echo`) and output arriving a byte a packet
 * cost ~70 µs a packet, a saturated event loop at ~14,000 packets a second. Past it the oldest are recorded
 * as not echoed, as past MAX_AWAITING. */
const MAX_AWAITING_CHARS = 16 * 1024

export type LineVerdict = 'forward' | 'stop'

interface Awaiting {
  line: string
  /** Characters of output before it was entered: its echo comes after. */
  from: number
  timer: NodeJS.Timeout
}

export class ShellLines {
  #line = ''
  #escape = false
  readonly #awaiting = new Set<Awaiting>()
  #awaitingChars = 0
  /** The last MAX_ECHO characters of output while lines wait (one tail for all of them), and how many
   * characters of output came in all. */
  #tail = ''
  #outputChars = 0
  readonly #record: (line: string | undefined, length: number) => void

  /** `record` gets each entered line once echoed, or undefined and its length when it never was. */
  constructor(record: (line: string | undefined, length: number) => void) {
    this.#record = record
  }

  /** Output from the target (its echo). */
  output(chunk: Buffer): void {
    if (this.#awaiting.size === 0) return
    const text = chunk.toString('utf8')
    const tail = (this.#tail + text).slice(-MAX_ECHO)
    this.#tail = tail
    this.#outputChars += text.length
    const tailStart = this.#outputChars - tail.length
    for (const waiting of this.#awaiting) {
      // Only a match ending in this chunk is new: the output before it was searched when it came.
      const from = Math.max(
        waiting.from,
        this.#outputChars - text.length - waiting.line.length + 1,
        tailStart,
      )
      if (tail.indexOf(waiting.line, from - tailStart) === -1) continue
      this.#forget(waiting)
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
      this.#forget(waiting)
      this.#record(undefined, waiting.line.length)
    }
  }

  #await(line: string): void {
    while (
      this.#awaiting.size >= MAX_AWAITING ||
      (this.#awaiting.size > 0 && this.#awaitingChars + line.length > MAX_AWAITING_CHARS)
    ) {
      const oldest = this.#awaiting.values().next().value!
      this.#forget(oldest)
      this.#record(undefined, oldest.line.length)
    }
    if (this.#awaiting.size === 0) this.#tail = ''
    const waiting: Awaiting = {
      line,
      from: this.#outputChars,
      timer: setTimeout(() => {
        this.#forget(waiting)
        this.#record(undefined, line.length)
      }, ECHO_WAIT_MS),
    }
    waiting.timer.unref()
    this.#awaiting.add(waiting)
    this.#awaitingChars += line.length
  }

  #forget(waiting: Awaiting): void {
    clearTimeout(waiting.timer)
    if (this.#awaiting.delete(waiting)) this.#awaitingChars -= waiting.line.length
  }
}

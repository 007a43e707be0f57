// The output of one command run by the MCP `exec` tool, collected bounded: stdout and stderr kept up to a
// byte budget each (more counted, `truncated`), and taskgate's decision data lines read off stderr. The SSH
// engine writes those (protocols/ssh/decision-data.ts) only because the client asked, and neutralises the
// marker in the target's own output, so a line that starts with the marker is the gateway's: it is decoded,
// never shown as the command's stderr.
import { StringDecoder } from 'node:string_decoder'
import { DECISION_DATA_MARKER, type DecisionData, decodeDecisionData } from '../../core/index.ts'

/** A partial stderr line longer than any decision line (core refuses past 16 KiB) is output, not held. */
const MAX_PENDING_LINE = 16_384 + 2

export class BoundedText {
  #text = ''
  #bytes = 0
  truncated = false
  readonly #decoder = new StringDecoder('utf8')
  readonly max: number
  constructor(max: number) {
    this.max = max
  }

  add(chunk: Buffer): void {
    const room = this.max - this.#bytes
    if (chunk.length > room) this.truncated = true
    const kept = chunk.subarray(0, Math.max(0, room))
    this.#bytes += kept.length
    if (kept.length) this.#text += this.#decoder.write(kept)
  }

  addText(text: string): void {
    this.add(Buffer.from(text, 'utf8'))
  }

  text(): string {
    return this.#text + this.#decoder.end()
  }
}

/** Splits stderr into the target's text and taskgate's decision lines. */
export class StderrReader {
  readonly text: BoundedText
  #pending = ''
  readonly #decoder = new StringDecoder('utf8')
  readonly onDecision: (data: DecisionData) => void
  constructor(max: number, onDecision: (data: DecisionData) => void) {
    this.text = new BoundedText(max)
    this.onDecision = onDecision
  }

  add(chunk: Buffer): void {
    this.#pending += this.#decoder.write(chunk)
    let newline = this.#pending.indexOf('\n')
    while (newline >= 0) {
      this.#line(this.#pending.slice(0, newline + 1))
      this.#pending = this.#pending.slice(newline + 1)
      newline = this.#pending.indexOf('\n')
    }
    if (this.#pending.length > MAX_PENDING_LINE) {
      this.text.addText(this.#pending)
      this.#pending = ''
    }
  }

  end(): void {
    const rest = this.#pending + this.#decoder.end()
    this.#pending = ''
    if (rest) this.#line(rest)
  }

  #line(line: string): void {
    if (line.startsWith(DECISION_DATA_MARKER)) {
      const data = decodeDecisionData(line.replace(/\r?\n$/, ''))
      if (data) {
        this.onDecision(data)
        return
      }
    }
    this.text.addText(line)
  }
}

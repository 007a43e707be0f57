// clients.incompletePacketTimeout: a client that stops inside a packet holds the bytes it sent so far (up
// to maxPacketBytes) for as long as it likes; the session is closed once one packet has taken longer than
// the timeout to arrive whole. The clock runs only while the session reads the client: while a command is
// in flight or held for a person, the client's next bytes wait in the socket because of the gateway, not
// the client.
export class IncompletePacketWatch {
  readonly #timeoutMs: number
  readonly #onStall: (timeoutMs: number) => void
  #timer: NodeJS.Timeout | undefined
  /** Packets completed when the clock started: a later packet has begun since, the clock restarts. */
  #startedAt = -1

  constructor(timeoutMs: number, onStall: (timeoutMs: number) => void) {
    this.#timeoutMs = timeoutMs
    this.#onStall = onStall
  }

  /** After reading: `midPacket` when bytes of an unfinished packet are held, `packets` the number of
   * packets completed so far, `reading` whether the session reads the client now. */
  update(midPacket: boolean, packets: number, reading: boolean): void {
    if (!midPacket || !reading) {
      this.stop()
      return
    }
    if (this.#timer !== undefined && this.#startedAt === packets) return
    clearTimeout(this.#timer)
    this.#startedAt = packets
    this.#timer = setTimeout(() => this.#onStall(this.#timeoutMs), this.#timeoutMs)
    this.#timer.unref()
  }

  stop(): void {
    // Called after every read; most find no clock running.
    if (this.#timer === undefined) return
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}

// The target's output written to the client's channel in as few SSH packets as its bytes allow. sshd
// sends CHANNEL_DATA as its pipe delivers it (with `yes | head`, at load: 4, 8, 16 and 32 KiB packets, 47-68
// a MB where 32 KiB packets would be 31), and the gateway reads several of them in one 64 KiB socket read.
// Written one by one, each costs a packet on the client leg: an allocation, random padding, an AES-GCM call
// and a socket write. Here the writes of one tick are held (cork) and, at the next tick, packed into packets
// of up to the client's maximum packet size and window: ssh2's channel has no `_writev`, this adds one,
// which builds each packet from the chunks directly (vendor/ssh2-channel-data.ts), without joining them.
//
// What does not change: bytes keep their order (a Writable writes its buffered chunks in order), stdout
// and stderr stay separate streams and keep their relative order (a write to stderr first sends the stdout
// held before it), the window and the client's packet size bound every packet, and backpressure is the
// channel's own (held chunks count in its writableLength; what the window does not take waits for the
// client's window adjust, as in ssh2's _write). `flush()` sends what is held: the relay calls it before
// exit-status or exit-signal, which ssh2 sends at once and which must never overtake the data.
import type { ServerChannel } from 'ssh2'
import { type ChannelInternals, channelDataPacket } from './vendor/ssh2-channel-data.ts'

export interface CoalescedOutput {
  /** Sends the held output now. */
  flush(): void
  /** Resolves once every byte written so far to stdout and stderr has been sent (the client's window may
   * hold some back), or the channel closed: exit-status and exit-signal wait for it, since ssh2 sends them
   * at once and they must never overtake the data. */
  drained(): Promise<void>
}

type Callback = (error?: Error | null) => void

/** What ssh2 passes back to _write at the client's window adjust when the window ran out in _writev. */
const HELD = Buffer.alloc(0)

export function coalesceOutput(channel: ServerChannel): CoalescedOutput {
  const internals = channel as unknown as ChannelInternals
  let corked = false
  const flush = () => {
    if (!corked) return
    corked = false
    channel.uncork()
  }
  // Writes of either stream the window did not take, oldest first: a later write of the other stream
  // waits behind them, so stdout and stderr keep their order.
  const waiting: Array<{ stderr: boolean; chunks: Buffer[]; cb: Callback }> = []
  const hold = () => {
    // ssh2's window adjust handler calls _write(_chunk, …) when _waitWindow is set (server.js).
    internals._waitWindow = true
    internals._chunk = HELD
    internals._chunkcb = undefined
  }
  const send = (stderr: boolean, chunks: Buffer[], cb: Callback) => {
    if (waiting.length > 0) {
      waiting.push({ stderr, chunks, cb })
      return
    }
    const rest = writeChunks(internals, chunks, stderr)
    // Closed: dropped and never called back, as ssh2's own _write does.
    if (rest === undefined) return
    if (rest.length === 0) return cb()
    waiting.push({ stderr, chunks: rest, cb })
    hold()
  }
  const resume = () => {
    internals._chunk = undefined
    while (waiting.length > 0) {
      const first = waiting[0]!
      const rest = writeChunks(internals, first.chunks, first.stderr)
      if (rest === undefined) {
        waiting.length = 0
        return
      }
      if (rest.length > 0) {
        first.chunks = rest
        return hold()
      }
      waiting.shift()
      first.cb()
    }
  }
  // Both streams' writes go through here, not through ssh2's _write: its window adjust handler resumes
  // only one held stream (stdout first) and never clears a held chunk it has sent (ssh2 1.17), so a stderr
  // write held at the same time as stdout was never sent.
  internals._write = (chunk, _encoding, cb) => (chunk === HELD ? resume() : send(false, [chunk], cb))
  internals._writev = (entries, cb) =>
    send(
      false,
      entries.map((entry) => entry.chunk),
      cb,
    )
  internals.stderr._write = (chunk, _encoding, cb) => send(true, [chunk], cb)
  const plainWrite = channel.write
  channel.write = function (this: ServerChannel, ...args: Parameters<ServerChannel['write']>) {
    if (!corked && channel.writable) {
      corked = true
      channel.cork()
      process.nextTick(flush)
    }
    return plainWrite.apply(this, args)
  } as ServerChannel['write']
  const stderr = channel.stderr
  const plainWriteErr = stderr.write
  stderr.write = function (this: typeof stderr, ...args: Parameters<typeof stderr.write>) {
    flush()
    return plainWriteErr.apply(this, args)
  } as typeof stderr.write
  const sent = (stream: { writableLength: number; writable: boolean; write: typeof channel.write }) =>
    new Promise<void>((resolve) => {
      if (stream.writableLength === 0 || !stream.writable) return resolve()
      const done = () => {
        channel.off('close', done)
        resolve()
      }
      channel.once('close', done)
      // Its callback runs once the writes before it have gone out (a Writable writes in order).
      stream.write(EMPTY, () => done())
    })
  return {
    flush,
    async drained() {
      flush()
      await Promise.all([sent(channel), sent(stderr)])
    },
  }
}

const EMPTY = Buffer.alloc(0)

/** Sends `chunks` as CHANNEL_DATA (or stderr CHANNEL_EXTENDED_DATA) packets of up to the packet size while the window lasts. Returns what
 * the window did not take ([] when all went), or undefined if the channel is no longer open (ssh2's own
 * _write then drops the data and never calls back: the channel is closing). */
function writeChunks(channel: ChannelInternals, chunks: Buffer[], stderr: boolean): Buffer[] | undefined {
  const outgoing = channel.outgoing
  if (outgoing.state !== 'open') return undefined
  // An empty write (drained() writes one) needs no window.
  if (chunks.some((chunk) => chunk.length === 0)) chunks = chunks.filter((chunk) => chunk.length > 0)
  let i = 0
  // What is left of chunks[i] (its head went in a packet when it was larger than one).
  let current = chunks[0]
  while (current !== undefined && outgoing.window > 0) {
    const limit = Math.min(outgoing.packetSize, outgoing.window)
    const run: Buffer[] = []
    let bytes = 0
    while (current !== undefined && bytes + current.length <= limit) {
      run.push(current)
      bytes += current.length
      current = chunks[++i]
    }
    if (run.length === 0 && current !== undefined) {
      run.push(current.subarray(0, limit))
      bytes = limit
      current = current.subarray(limit)
    }
    if (bytes === 0) continue
    channelDataPacket(channel, run, bytes, stderr)
    outgoing.window -= bytes
  }
  if (current === undefined) return []
  return [current, ...chunks.slice(i + 1)]
}

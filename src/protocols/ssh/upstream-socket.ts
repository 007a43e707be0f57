// The gateway's TCP connection to the target, read in large pieces. Node reads a socket 64 KiB at a time
// into a fresh buffer each; the target's output arrives in ~32 KiB SSH packets, so about every other
// packet straddles two reads and ssh2 copies it into a buffer of its own before decrypting it (a
// packet inside one read is decrypted where it lies, and its payload is handed on as a view of the read
// buffer). Here reads go into a 1 MiB slab, each taking what is left of it (at least 64 KiB): while the
// target sends faster than the gateway relays (the socket holds more than 64 KiB), one read takes several
// times more, with one straddling packet per read, and one JavaScript callback, parse call and stream
// 'data' event per read instead of per 64 KiB. A slab is never reused: the payloads handed on refer to it
// and may be held (window, recording), so it is freed when the last of them is; a stalled channel holds at
// most its window (2 MiB) of slabs.
import { Socket } from 'node:net'

const SLAB_BYTES = 1024 * 1024
/** A read never gets less room than Node's own reads have. */
const MIN_READ_BYTES = 64 * 1024
/** Reads shorter than this are copied out (from Node's pool) rather than kept in the slab. */
const COPY_BELOW_BYTES = 4096

/** An unconnected socket for ssh2's `sock` option: it emits 'data' as a plain socket does (ssh2 reads
 * with `sock.on('data')`), from reads into the slab. */
export function upstreamSocket(): Socket {
  let slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
  let used = 0
  const socket: Socket = new Socket({
    onread: {
      buffer: () => {
        if (slab.length - used < MIN_READ_BYTES) {
          slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
          used = 0
        }
        return slab.subarray(used)
      },
      // `room` is what `buffer` returned for this read (a Buffer): the bytes read are at its start. True:
      // reading goes on (ssh2 never pauses the socket; the channel windows hold the target back).
      callback: (bytes, room) => {
        const read = (room as Buffer).subarray(0, bytes)
        // A small read (a window adjust, a keep-alive, an interactive shell's echo) is handed on as a copy
        // and its room read into again: a quiet session does not hold a slab's worth of memory.
        if (bytes < COPY_BELOW_BYTES) {
          socket.emit('data', Buffer.from(read))
          return true
        }
        used += bytes
        socket.emit('data', read)
        return true
      },
    },
  })
  return socket
}

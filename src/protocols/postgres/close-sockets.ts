// Ends both sides of a relay: the upstream with Terminate (unless it was handed back to the pool), the client
// with a FIN; either still open after CLOSE_GRACE_MS is destroyed. Calls `closed` once both have closed.
import type { Duplex } from 'node:stream'
import { TERMINATE } from './wire/client-messages.ts'

const CLOSE_GRACE_MS = 1_000

export function closeSockets(client: Duplex, upstream: Duplex, released: boolean, closed: () => void): void {
  if (!released && !upstream.destroyed) upstream.end(TERMINATE)
  client.end()
  const timer = setTimeout(() => {
    client.destroy()
    if (!released) upstream.destroy()
  }, CLOSE_GRACE_MS)
  timer.unref()
  let open = 2
  const oneClosed = () => {
    if (--open === 0) {
      clearTimeout(timer)
      closed()
    }
  }
  if (client.closed) oneClosed()
  else client.once('close', oneClosed)
  if (released || upstream.closed) oneClosed()
  else upstream.once('close', oneClosed)
}

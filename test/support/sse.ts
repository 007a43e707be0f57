// A small server-sent events reader over fetch, for tests: yields each event (type, data) and each
// comment line, so a test can wait for the next event matching a predicate.
export interface SseMessage {
  event?: string
  data?: string
  comment?: string
}

export interface SseStream extends AsyncDisposable {
  status: number
  /** The next message matching `match`, or rejects after `timeoutMs`. */
  next(match?: (m: SseMessage) => boolean, timeoutMs?: number): Promise<SseMessage>
  /** Every message received so far (taken or not). */
  readonly seen: SseMessage[]
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController()
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  })
  const seen: SseMessage[] = []
  const waiters: Array<{ match: (m: SseMessage) => boolean; resolve: (m: SseMessage) => void }> = []
  // Messages no next() has taken yet: an event may arrive before the test asks for it.
  const unclaimed: SseMessage[] = []
  const deliver = (message: SseMessage) => {
    seen.push(message)
    const waiter = waiters.find((w) => w.match(message))
    if (!waiter) return void unclaimed.push(message)
    waiters.splice(waiters.indexOf(waiter), 1)
    waiter.resolve(message)
  }
  if (response.ok && response.body) {
    void (async () => {
      const decoder = new TextDecoder()
      let buffer = ''
      try {
        for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true })
          let end = buffer.indexOf('\n\n')
          while (end >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            for (const message of parseBlock(block)) deliver(message)
            end = buffer.indexOf('\n\n')
          }
        }
      } catch {
        // aborted
      }
    })()
  }
  return {
    status: response.status,
    seen,
    next(match = () => true, timeoutMs = 5000) {
      const earlier = unclaimed.findIndex(match)
      if (earlier >= 0) return Promise.resolve(unclaimed.splice(earlier, 1)[0]!)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no matching event in ${timeoutMs} ms; saw ${JSON.stringify(seen.filter((m) => m.event))}`,
              ),
            ),
          timeoutMs,
        )
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer)
            resolve(m)
          },
        })
      })
    },
    async [Symbol.asyncDispose]() {
      abort.abort()
      await response.body?.cancel().catch(() => {})
    },
  }
}

function parseBlock(block: string): SseMessage[] {
  const out: SseMessage[] = []
  const event: SseMessage = {}
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) out.push({ comment: line.slice(1).trim() })
    else if (line.startsWith('event:')) event.event = line.slice(6).trim()
    else if (line.startsWith('data:'))
      event.data = (event.data ? `${event.data}\n` : '') + line.slice(5).trimStart()
  }
  if (event.event || event.data) out.push(event)
  return out
}

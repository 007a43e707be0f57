// A raw HTTPS client for requests no well-behaved client sends: the exact bytes given (dot segments left
// unresolved, duplicate framing headers, oversized heads, slow writes), and whatever comes back until the
// server closes or `idleMs` passes without a byte.
import tls from 'node:tls'

export interface RawExchange {
  text: string
  /** The server closed the connection (rather than the wait ending). */
  closed: boolean
  status: number | undefined
}

export async function rawExchange(
  port: number,
  ca: string,
  parts: Array<string | Buffer | { pauseMs: number }>,
  options: { idleMs?: number } = {},
): Promise<RawExchange> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' })
  await new Promise<void>((resolve, reject) => {
    socket.once('secureConnect', resolve)
    socket.once('error', reject)
  })
  let text = ''
  let closed = false
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')))
  const ended = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true
      resolve()
    }),
  )
  socket.on('error', () => {})
  for (const part of parts) {
    if (closed) break
    if (typeof part === 'object' && 'pauseMs' in part) await new Promise((r) => setTimeout(r, part.pauseMs))
    else socket.write(part)
  }
  const idleMs = options.idleMs ?? 2000
  for (let seen = -1; !closed && seen !== text.length; ) {
    seen = text.length
    await Promise.race([ended, new Promise((r) => setTimeout(r, idleMs))])
  }
  socket.destroy()
  const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]
  return { text, closed, status: status ? Number(status) : undefined }
}

/** The JSON body of the first response in `text`. */
export function firstJsonBody(text: string): Record<string, unknown> {
  const start = text.indexOf('\r\n\r\n')
  const body = text.slice(start + 4)
  const chunked = /transfer-encoding: chunked/i.test(text.slice(0, start))
  return JSON.parse(
    chunked ? body.replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '') : body,
  ) as Record<string, unknown>
}

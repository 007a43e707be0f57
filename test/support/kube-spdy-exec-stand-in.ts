// stand-in: the kubelet's side of `kubectl exec` over SPDY/3.1 (remotecommand v4.channel.k8s.io), for the
// stream stand-in (kube-stream-stand-in.ts), because the real kube-apiserver here has no kubelet. After the
// 101 it waits for the streams the request asks for (SYN_STREAM with `streamtype` error, stdin, stdout,
// stderr, resize), answers each with SYN_REPLY, answers PINGs, and runs `echo ARGS`, `cat` (stdin echoed to
// stdout until stdin's FIN), `err TEXT` (TEXT on stderr) or `tty` (stays open: each resize message is echoed
// to stdout as `resize WxH`, stdin echoed, until stdin's FIN); then it finishes as the kubelet does: FIN on the
// output streams, the v4 status (JSON) on the error stream, and the connection closed.
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import { PING, SpdyFrameReader, SYN_STREAM } from '../../src/protocols/kubernetes/spdy-frames.ts'
import { dataFrame, ping, SpdyWriter } from './spdy-writer.ts'

export function serveSpdyExec(req: http.IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
  const argv = url.searchParams.getAll('command')
  const query = url.searchParams
  const offered = String(req.headers['x-stream-protocol-version'] ?? '').split(/\s*,\s*/)
  if (!offered.includes('v4.channel.k8s.io')) {
    socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n')
    return
  }
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n',
  )
  const writer = new SpdyWriter()
  const streams = new Map<string, number>()
  const expected = ['error']
  for (const name of ['stdin', 'stdout', 'stderr'] as const)
    if (query.get(name) === 'true' || query.get(name) === '1') expected.push(name)
  if (query.get('tty') === 'true') expected.push('resize')
  let started = false
  let finished = false
  const send = (name: string, text: string, fin = false) => {
    const id = streams.get(name)
    if (id !== undefined && !socket.destroyed) socket.write(dataFrame(id, text, fin))
  }
  const finish = (failure?: string) => {
    if (finished) return
    finished = true
    for (const name of ['stdout', 'stderr']) send(name, '', true)
    const status = failure
      ? {
          metadata: {},
          status: 'Failure',
          reason: 'NonZeroExitCode',
          message: failure,
          details: { causes: [{ reason: 'ExitCode', message: '127' }] },
        }
      : { metadata: {}, status: 'Success' }
    send('error', JSON.stringify(status), true)
    socket.end()
  }
  const start = () => {
    started = true
    if (argv[0] === 'echo') {
      send('stdout', `${argv.slice(1).join(' ')}\n`)
      finish()
    } else if (argv[0] === 'err') {
      send('stderr', `${argv.slice(1).join(' ')}\n`)
      finish()
    } else if (argv[0] !== 'cat' && argv[0] !== 'tty') {
      send('stderr', `stand-in: no such command ${argv[0]}\n`)
      finish('command terminated with non-zero exit code: exit 127')
    }
  }
  const reader = new SpdyFrameReader((frame) => {
    if (frame.type === 'data') {
      const name = [...streams].find(([, id]) => id === frame.streamId)?.[0]
      if (name === 'stdin' && frame.data.length > 0) send('stdout', frame.data.toString())
      if (name === 'resize' && frame.data.length > 0) {
        const size = JSON.parse(frame.data.toString()) as { Width: number; Height: number }
        send('stdout', `resize ${size.Width}x${size.Height}\n`)
      }
      if (name === 'stdin' && frame.fin) finish()
      return
    }
    if (frame.control === PING && frame.pingId !== undefined) socket.write(ping(frame.pingId))
    if (frame.control !== SYN_STREAM) return
    const type = frame.headers?.get('streamtype')?.[0] ?? ''
    streams.set(type, frame.streamId)
    socket.write(writer.synReply(frame.streamId))
    if (!started && expected.every((name) => streams.has(name))) start()
  })
  const read = (chunk: Buffer) => {
    try {
      reader.push(chunk)
    } catch {
      socket.destroy()
    }
  }
  socket.on('data', read)
  if (head.length > 0) read(head)
  socket.on('close', () => {
    reader.close()
    writer.close()
  })
}

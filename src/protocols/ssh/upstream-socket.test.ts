import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
import { test } from 'node:test'
import { upstreamSocket } from './upstream-socket.ts'

interface Peer {
  port: number
  /** The server's side of the one connection. */
  accepted: Promise<Socket>
  close(): Promise<void>
}

async function listen(): Promise<Peer> {
  let accept!: (socket: Socket) => void
  const accepted = new Promise<Socket>((resolve) => {
    accept = resolve
  })
  const server: Server = createServer(accept)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    accepted,
    async close() {
      ;(await accepted.catch(() => undefined))?.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** Everything the socket emits until the peer ends, every chunk kept as it was handed on. */
function collect(socket: Socket): Promise<Buffer[]> {
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  return new Promise((resolve, reject) => {
    socket.once('end', () => resolve(chunks))
    socket.once('error', reject)
  })
}

test('every byte arrives in order, and a chunk handed on is never overwritten by later reads', async () => {
  const peer = await listen()
  try {
    const socket = upstreamSocket().connect({ port: peer.port, host: '127.0.0.1' })
    const received = collect(socket)
    const server = await peer.accepted
    // Several slabs' worth, in writes of uneven sizes (SSH packets are not aligned to reads).
    const sent: Buffer[] = []
    for (let bytes = 0; bytes < 5 * 1024 * 1024; ) {
      const piece = randomBytes(1 + Math.floor(Math.random() * 70_000))
      sent.push(piece)
      bytes += piece.length
      if (!server.write(piece)) await new Promise((resolve) => server.once('drain', resolve))
    }
    server.end()
    const chunks = await received
    // Compared only now: a slab reused while these were held would show here as bytes of later reads.
    assert.ok(Buffer.concat(chunks).equals(Buffer.concat(sent)))
    socket.destroy()
  } finally {
    await peer.close()
  }
})

test('a read takes more than the 64 KiB Node reads by default when the socket holds more', async () => {
  const peer = await listen()
  try {
    const socket = upstreamSocket().connect({ port: peer.port, host: '127.0.0.1' })
    socket.pause()
    const server = await peer.accepted
    const payload = randomBytes(512 * 1024)
    // Written while the gateway's side is not reading: the kernel holds it for the first reads.
    await new Promise<void>((resolve) => {
      server.write(payload)
      server.end(resolve)
    })
    await new Promise((resolve) => setTimeout(resolve, 100))
    const received = collect(socket)
    socket.resume()
    const chunks = await received
    assert.ok(Buffer.concat(chunks).equals(payload))
    assert.ok(
      Math.max(...chunks.map((chunk) => chunk.length)) > 64 * 1024,
      `chunks: ${chunks.map((chunk) => chunk.length).join(', ')}`,
    )
    socket.destroy()
  } finally {
    await peer.close()
  }
})

test('small reads, whose room is read into again, hand on copies that later reads leave intact', async () => {
  const peer = await listen()
  try {
    const socket = upstreamSocket().connect({ port: peer.port, host: '127.0.0.1' })
    const chunks: Buffer[] = []
    let arrived!: () => void
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      arrived()
    })
    const server = await peer.accepted
    const sent: Buffer[] = []
    for (let i = 0; i < 50; i++) {
      const piece = randomBytes(1 + (i % 7) * 300)
      sent.push(piece)
      // One read each: the next is written once this one has been handed on.
      await new Promise<void>((resolve) => {
        arrived = resolve
        server.write(piece)
      })
    }
    assert.ok(Buffer.concat(chunks).equals(Buffer.concat(sent)))
    socket.destroy()
  } finally {
    await peer.close()
  }
})

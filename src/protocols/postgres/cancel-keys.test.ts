import assert from 'node:assert/strict'
import { once } from 'node:events'
import net from 'node:net'
import { test } from 'node:test'
import { CancelKeys } from './cancel-keys.ts'

/** A listener standing in for the target: it collects the CancelRequests it receives. */
async function target() {
  const packets: Buffer[] = []
  const server = net.createServer((socket) => socket.on('data', (d) => packets.push(d)))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  return { port, packets, close: () => new Promise((resolve) => server.close(resolve)) }
}

const key = (n: number) => {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

test('the real pid with the gateway secret cancels with the backend key; a wrong secret cancels nothing', async () => {
  const t = await target()
  try {
    const keys = new CancelKeys()
    const upstreamSecret = Buffer.from([9, 9, 9, 9])
    const issued = keys.register({
      host: '127.0.0.1',
      port: t.port,
      processId: 4242,
      secretKey: upstreamSecret,
    })
    assert.equal(issued.processId, 4242)
    assert.equal(await keys.cancel(4242, key(issued.secretKey ^ 1)), false)
    assert.equal(await keys.cancel(4243, key(issued.secretKey)), false)
    assert.equal(await keys.cancel(4242, key(issued.secretKey)), true)
    const packet = Buffer.concat(t.packets)
    assert.equal(packet.readInt32BE(8), 4242)
    assert.deepEqual(packet.subarray(12), upstreamSecret, 'the backend key goes upstream, not the client key')
    issued.release()
    assert.equal(await keys.cancel(4242, key(issued.secretKey)), false)
  } finally {
    await t.close()
  }
})

test('a pid reused before the old session released it: each key cancels only its own backend', async () => {
  const t = await target()
  try {
    const keys = new CancelKeys()
    const old = keys.register({
      host: '127.0.0.1',
      port: t.port,
      processId: 7,
      secretKey: Buffer.from([1, 1, 1, 1]),
    })
    const fresh = keys.register({
      host: '127.0.0.1',
      port: t.port,
      processId: 7,
      secretKey: Buffer.from([2, 2, 2, 2]),
    })
    assert.equal(await keys.cancel(7, key(fresh.secretKey)), true)
    assert.deepEqual(Buffer.concat(t.packets).subarray(12), Buffer.from([2, 2, 2, 2]))
    old.release()
    assert.equal(await keys.cancel(7, key(old.secretKey)), false)
    assert.equal(await keys.cancel(7, key(fresh.secretKey)), true)
  } finally {
    await t.close()
  }
})

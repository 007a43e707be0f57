// A client connection holds at most MAX_OPEN_CHANNELS channels open at once through the gateway: a client
// opening forwards (or sessions) without end is refused past it, not given a buffer, gate and upstream
// channel each. A closed channel frees its place. Real Debian sshd behind the gateway, the ssh2 client.
import assert from 'node:assert/strict'
import { createServer, type Socket } from 'node:net'
import { test } from 'node:test'
import type { ClientChannel } from 'ssh2'
import { MAX_OPEN_CHANNELS } from '../../../src/protocols/ssh/connection.ts'
import { startSshGateway } from '../../support/start-ssh-gateway.ts'

test('a connection past MAX_OPEN_CHANNELS open channels is refused a new one until one closes', async () => {
  // Disposed last: the held connections go first, so the gateway's shutdown has no open forward to wait on.
  await using g = await startSshGateway()
  const held: Socket[] = []
  const destination = createServer((socket) => held.push(socket))
  await new Promise<void>((resolve) => destination.listen(0, '127.0.0.1', resolve))
  const port = (destination.address() as { port: number }).port
  try {
    const { credential } = await g.grant(`port-forward:root:127.0.0.1:${port}`)
    const client = await g.connect(credential)
    const open = () =>
      new Promise<ClientChannel | Error>((resolve) =>
        client.forwardOut('127.0.0.1', 0, '127.0.0.1', port, (error, channel) => resolve(error ?? channel)),
      )
    const results = await Promise.all(Array.from({ length: MAX_OPEN_CHANNELS + 6 }, open))
    const channels = results.filter((r): r is ClientChannel => !(r instanceof Error))
    const refused = results.filter((r) => r instanceof Error)
    assert.equal(channels.length, MAX_OPEN_CHANNELS)
    assert.equal(refused.length, 6)
    channels[0]!.close()
    // The gateway counts the close when its own channel closes, a moment after the client's.
    let again: ClientChannel | Error = new Error('not tried')
    for (let attempt = 0; attempt < 50; attempt++) {
      again = await open()
      if (!(again instanceof Error)) break
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    assert.ok(!(again instanceof Error), `a freed place is usable again: ${String(again)}`)
    client.end()
  } finally {
    for (const socket of held) socket.destroy()
    destination.close()
  }
})

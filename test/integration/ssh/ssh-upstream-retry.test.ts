// The gateway's login to the target (back.ts connectUpstream) against a real sshd behind a TCP hop that
// drops connections: a connection dropped before the handshake (how sshd sheds load past MaxStartups) is
// tried again after a backoff; a login the target refuses is not.
import assert from 'node:assert/strict'
import net from 'node:net'
import { test } from 'node:test'
import { generateEd25519, publicKeyLine } from '../../../src/kinds/ssh-keys.ts'
import { connectUpstream } from '../../../src/protocols/ssh/back.ts'
import { hostKeyCheck } from '../../../src/protocols/ssh/host-keys.ts'
import { startSshd } from '../../support/start-sshd.ts'

/** A TCP hop to `port` that destroys the first `drop` connections as soon as they arrive. */
async function droppingHop(port: number, drop: number) {
  let seen = 0
  const server = net.createServer((socket) => {
    seen++
    if (seen <= drop) return socket.destroy()
    const upstream = net.connect(port, '127.0.0.1')
    socket.pipe(upstream).pipe(socket)
    socket.on('error', () => upstream.destroy())
    upstream.on('error', () => socket.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    seen: () => seen,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

const login = () => ({
  login: 'root',
  grantId: 'g_retry',
  grantEndsAt: new Date(Date.now() + 600_000),
  now: new Date(),
  permitPortForwarding: false,
})

test('a connection the target drops before the handshake is tried again, and the login then succeeds', async () => {
  const ca = generateEd25519()
  await using sshd = await startSshd({ trustedUserCaKeys: [publicKeyLine(ca.publicKey)] })
  await using hop = await droppingHop(sshd.port, 2)
  const client = await connectUpstream(
    {
      host: '127.0.0.1',
      port: hop.port,
      hostKeys: await hostKeyCheck({ host: '127.0.0.1', port: hop.port, hostKey: sshd.hostKey }),
      auth: { kind: 'certificate', ca },
    },
    login(),
  )
  client.end()
  assert.equal(hop.seen(), 3)
})

test('a login the target refuses is not tried again', async () => {
  const trusted = generateEd25519()
  await using sshd = await startSshd({ trustedUserCaKeys: [publicKeyLine(trusted.publicKey)] })
  await using hop = await droppingHop(sshd.port, 0)
  await assert.rejects(
    connectUpstream(
      {
        host: '127.0.0.1',
        port: hop.port,
        hostKeys: await hostKeyCheck({ host: '127.0.0.1', port: hop.port, hostKey: sshd.hostKey }),
        auth: { kind: 'certificate', ca: generateEd25519() },
      },
      login(),
    ),
    (error: Error & { code?: string }) =>
      error.code === 'TG_UPSTREAM_UNAVAILABLE' && /refused the gateway's login/.test(error.message),
  )
  assert.equal(hop.seen(), 1)
})

test('a target that keeps dropping fails after the retries, not forever', async () => {
  await using hop = await droppingHop(1, 1000)
  const { hostKey } = { hostKey: publicKeyLine(generateEd25519().publicKey) }
  await assert.rejects(
    connectUpstream(
      {
        host: '127.0.0.1',
        port: hop.port,
        hostKeys: await hostKeyCheck({ host: '127.0.0.1', port: hop.port, hostKey }),
        auth: { kind: 'certificate', ca: generateEd25519() },
      },
      login(),
    ),
    (error: Error & { code?: string }) => error.code === 'TG_UPSTREAM_UNAVAILABLE',
  )
  assert.equal(hop.seen(), 5)
})

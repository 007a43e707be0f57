// Test support, not the product listener: a listener that logs clients in with front.ts, logs in upstream
// with back.ts as the given account, and relays packets, answering refused commands itself
// (refused-commands.ts). It shows what the front and back ends do with real clients and a real MariaDB
// before the protocol kit exists to host them.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { isTaskgateError } from '../../src/core/index.ts'
import { mysqlVerifiers } from '../../src/protocols/mysql/auth-scramble.ts'
import { connectUpstream, type MysqlTarget, type UpstreamLogin } from '../../src/protocols/mysql/back.ts'
import { failure } from '../../src/protocols/mysql/errors.ts'
import { acceptMysqlClient } from '../../src/protocols/mysql/front.ts'
import { refusalFor } from '../../src/protocols/mysql/refused-commands.ts'
import { encodePacket, PacketReader } from '../../src/protocols/mysql/wire/packet-reader.ts'
import { selfSignedCertificate } from './start-mariadb.ts'

export interface MysqlRelayHarness extends AsyncDisposable {
  port: number
  /** What the harness saw: the capabilities each accepted client ended up with. */
  accepted: { user: string; tls: boolean; capabilities: number }[]
}

export interface HarnessOptions {
  target: MysqlTarget
  /** The gateway-minted login clients use. */
  login: { user: string; password: string }
  /** The account the harness logs in upstream as. */
  upstream: UpstreamLogin
  requireTls?: boolean
}

export async function startMysqlRelayHarness(options: HarnessOptions): Promise<MysqlRelayHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-mysql-harness-'))
  await selfSignedCertificate(join(dir, 'c.pem'), join(dir, 'k.pem'))
  const secureContext = tls.createSecureContext({
    cert: await readFile(join(dir, 'c.pem')),
    key: await readFile(join(dir, 'k.pem')),
  })
  // Learn the target's real version and capabilities once, as the product does at start.
  const probe = await connectUpstream(options.target, options.upstream)
  probe.socket.destroy()
  const verifiers = mysqlVerifiers(options.login.password)
  const accepted: MysqlRelayHarness['accepted'] = []
  const sockets = new Set<net.Socket>()
  let connectionId = 1
  const server = net.createServer(async (raw) => {
    sockets.add(raw)
    raw.on('close', () => sockets.delete(raw))
    raw.on('error', () => {})
    const client = await acceptMysqlClient(raw, {
      target: probe.handshake,
      secureContext,
      requireTls: options.requireTls ?? false,
      verifiersFor: async (user) => (user === options.login.user ? verifiers : undefined),
      connectionId: connectionId++,
      authTimeoutMs: 10_000,
    })
    if (!client) return
    let upstream: Awaited<ReturnType<typeof connectUpstream>>
    try {
      upstream = await connectUpstream(
        options.target,
        { ...options.upstream, ...(client.database ? { database: client.database } : {}) },
        { capabilities: client.capabilities, attributes: client.attributes },
      )
    } catch (error) {
      if (isTaskgateError(error)) client.reject(failure(error))
      return
    }
    accepted.push({ user: client.user, tls: client.tls, capabilities: client.capabilities })
    const { socket, leftover } = client.accept(upstream.handshake.statusFlags)
    relay(socket, upstream.socket, leftover)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    accepted,
    async [Symbol.asyncDispose]() {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => server.close(resolve))
      await rm(dir, { recursive: true, force: true })
    },
  }
}

function relay(
  client: NodeJS.ReadWriteStream & { destroy(): void },
  upstream: typeof client,
  leftover: Buffer,
) {
  const reader = new PacketReader()
  const fromClient = (chunk: Buffer) => {
    for (const packet of reader.push(chunk)) {
      const refusal = refusalFor(packet.payload[0] ?? -1)
      if (refusal) client.write(encodePacket(refusal, packet.sequenceId + 1).bytes)
      else upstream.write(encodePacket(packet.payload, packet.sequenceId).bytes)
    }
  }
  client.on('data', (chunk: Buffer) => {
    try {
      fromClient(chunk)
    } catch {
      client.destroy()
    }
  })
  upstream.on('data', (chunk: Buffer) => client.write(chunk))
  client.on('close', () => upstream.destroy())
  upstream.on('close', () => client.destroy())
  client.on('error', () => {})
  upstream.on('error', () => {})
  if (leftover.length > 0) fromClient(leftover)
  client.resume()
  upstream.resume()
}

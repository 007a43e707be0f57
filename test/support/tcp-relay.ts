// A local TCP port nothing listens on, and a plain TCP relay to a real server that a test can open on a chosen
// port and cut (the store's network path going away and coming back).
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { freePort } from './free-port.ts'

export { freePort }

/** A plain TCP relay to the real server, so the test can cut the network path and restore it. */
export async function startRelay(target: { host: string; port: number }, port = 0) {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(target.port, target.host)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => {
        sockets.delete(s)
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    async cut(): Promise<void> {
      const closed = new Promise((resolve) => server.close(resolve))
      for (const s of sockets) s.resetAndDestroy()
      await closed
    },
  }
}

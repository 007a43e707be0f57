// The floor of any Node.js data path: a byte relay that parses nothing, decides nothing and records
// nothing, using Node's own net streams (pipe). pg-throughput.ts runs it beside PgBouncer and taskgate so
// the cost of the platform and the cost of taskgate's work show apart.
//   node bench/node-relay.ts LISTEN_PORT TARGET_PORT
import net from 'node:net'

const [listen, target] = process.argv.slice(2).map(Number)
if (!listen || !target) throw new Error('usage: node bench/node-relay.ts LISTEN_PORT TARGET_PORT')

net
  .createServer({ noDelay: true }, (client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: target, noDelay: true })
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  .listen(listen, '127.0.0.1')

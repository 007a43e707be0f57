// The floor of a Node.js HTTPS reverse proxy: TLS toward clients like taskgate's HTTP resources, a
// keep-alive pool upstream, the request and response piped through, nothing parsed, decided, masked or
// recorded. http-throughput.ts runs it beside taskgate so the platform's cost and taskgate's own show apart.
//   node bench/http-noop-proxy.ts LISTEN_PORT TARGET_PORT CERT_FILE KEY_FILE
import { readFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'

const [listen, target, certFile, keyFile] = process.argv.slice(2)
if (!listen || !target || !certFile || !keyFile)
  throw new Error('usage: node bench/http-noop-proxy.ts LISTEN_PORT TARGET_PORT CERT_FILE KEY_FILE')
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, noDelay: true } as http.AgentOptions)

https
  .createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), noDelay: true }, (req, res) => {
    const { host: _host, connection: _connection, ...headers } = req.headers
    const up = http.request(
      { host: '127.0.0.1', port: Number(target), method: req.method, path: req.url, headers, agent },
      (upRes) => {
        // Hop-by-hop headers stay on their hop (Werkzeug answers `Connection: close`: passed on, every
        // client request would pay a new TLS handshake).
        const { connection: _c, 'keep-alive': _k, 'transfer-encoding': _t, ...back } = upRes.headers
        res.writeHead(upRes.statusCode ?? 502, back)
        upRes.pipe(res)
      },
    )
    up.on('error', () => res.destroy())
    req.pipe(up)
  })
  .listen(Number(listen), '127.0.0.1')

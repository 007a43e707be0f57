// A fast upstream for the HTTP benchmark: Node's own HTTP server answering every request with the same
// small JSON document (≈200 bytes, one e-mail address in it), so what is measured is the intermediary, not
// the API behind it (httpbin, the tests' real upstream, is measured too but tops out near 1,000 requests/s).
//   node bench/http-upstream.ts PORT
import http from 'node:http'

const port = Number(process.argv[2])
const body = JSON.stringify({
  id: 4711,
  status: 'paid',
  amount: '129.50',
  currency: 'EUR',
  customer: { name: 'Ada Lovelace', email: 'ada@example.com' },
  lines: [
    { sku: 'A-1', qty: 2 },
    { sku: 'B-7', qty: 1 },
  ],
})
http
  .createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  })
  .listen(port, '127.0.0.1')

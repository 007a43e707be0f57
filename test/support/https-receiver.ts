// A real HTTPS server that receives audit export batches (webhook or OTLP), verifies the webhook signature,
// and can be killed (every connection dropped at once) and restarted on the same port mid-burst.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer, type Server } from 'node:https'
import { verifyWebhookSignature } from '../../src/core/index.ts'
import type { TestCert } from './test-tls-cert.ts'

export interface ReceivedBatch {
  path: string
  headers: IncomingMessage['headers']
  body: string
  signatureOk: boolean
}

export interface HttpsReceiver extends AsyncDisposable {
  url: string
  batches: ReceivedBatch[]
  /** The status the next requests get (200 by default). */
  answerWith: number
  kill(): Promise<void>
  start(): Promise<void>
}

export async function startHttpsReceiver(cert: TestCert, secret: string): Promise<HttpsReceiver> {
  let server: Server | undefined
  let port = 0
  const receiver: HttpsReceiver = {
    url: '',
    batches: [],
    answerWith: 200,
    async kill() {
      const s = server
      server = undefined
      if (!s) return
      s.closeAllConnections()
      await new Promise((resolve) => s.close(resolve))
    },
    async start() {
      const s = createServer({ cert: cert.cert, key: cert.key }, (req, res) => handle(req, res))
      await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve))
      port = (s.address() as { port: number }).port
      receiver.url = `https://127.0.0.1:${port}`
      server = s
    },
    [Symbol.asyncDispose]: () => receiver.kill(),
  }
  function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const status = receiver.answerWith
      if (status >= 200 && status < 300) {
        const body = Buffer.concat(chunks).toString('utf8')
        const header = req.headers['x-taskgate-signature']
        receiver.batches.push({
          path: req.url ?? '',
          headers: req.headers,
          body,
          signatureOk: verifyWebhookSignature(
            secret,
            typeof header === 'string' ? header : undefined,
            body,
            new Date(),
          ),
        })
      }
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
    })
  }
  await receiver.start()
  return receiver
}

import assert from 'node:assert/strict'
import net from 'node:net'
import { test } from 'node:test'
import { readProxyHeader } from './proxy-protocol.ts'

/** The header read off a server socket whose client wrote `bytes` and then (`reset`) reset the connection. */
function accepted(bytes: string, reset: boolean): Promise<{ header: Promise<unknown>; client: net.Socket }> {
  return new Promise((resolve) => {
    let client: net.Socket
    const server = net.createServer((raw) => {
      server.close()
      raw.on('end', () => raw.destroy())
      resolve({ header: readProxyHeader(raw, 2_000), client })
    })
    server.listen(0, '127.0.0.1', () => {
      client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1', () => {
        client.write(bytes, () => {
          if (reset) setTimeout(() => client.resetAndDestroy(), 50)
        })
      })
      client.on('error', () => {})
    })
  })
}

test('a reset in the middle of the header rejects, and no error event is left unhandled', async () => {
  const { header } = await accepted('PROXY TCP4 10.0', true)
  await assert.rejects(header, /ECONNRESET/)
})

test('the client the header names', async () => {
  const { header, client } = await accepted('PROXY TCP4 10.1.2.3 10.0.0.1 4000 5432\r\nhello', false)
  assert.deepEqual(await header, { address: '10.1.2.3', port: 4000 })
  client.destroy()
})

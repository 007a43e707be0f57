import assert from 'node:assert/strict'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { pipeRewritten } from './rewrite-body.ts'

/** A watch through pipeRewritten: `write` sends the upstream's body (a stand-in for the API server's watch
 * stream, written in the pieces given); resolves with the lines the client got and how the relay ended. */
async function watchThrough(write: (res: http.ServerResponse) => Promise<void>) {
  const upstream = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    void write(res).then(() => res.end())
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  let ended: string | undefined = 'running'
  const front = http.createServer((_req, res) => {
    http.get({ port: (upstream.address() as AddressInfo).port, host: '127.0.0.1' }, (up) =>
      pipeRewritten(up, res, { policy: {}, watch: true, headers: {} }, (error) => {
        ended = error
      }),
    )
  })
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
  try {
    const body = await new Promise<string>((resolve) =>
      http.get({ port: (front.address() as AddressInfo).port, host: '127.0.0.1' }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (t: string) => {
          text += t
        })
        res.on('end', () => resolve(text))
        res.on('error', () => resolve(text))
      }),
    )
    return { lines: body.split('\n').filter((l) => l !== ''), ended }
  } finally {
    upstream.close()
    front.close()
  }
}

const event = (name: string, pad = 0) =>
  JSON.stringify({
    type: 'ADDED',
    object: { kind: 'Pod', metadata: { name, namespace: 'a' }, pad: 'x'.repeat(pad) },
  })

test('watch events come out one per line, whatever pieces they arrive in', async () => {
  const stream = `${event('one')}\n${event('two', 300_000)}\n\n${event('three')}\n${event('four')}`
  const { lines, ended } = await watchThrough(async (res) => {
    for (let at = 0; at < stream.length; at += 997) {
      res.write(stream.slice(at, at + 997))
      if (at % 50_000 < 997) await new Promise((resolve) => setImmediate(resolve))
    }
  })
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as { object: { metadata: { name: string } } }).object.metadata.name),
    ['one', 'two', 'three', 'four'],
  )
  assert.equal(ended, undefined)
})

test('an event over the limit without a line end cuts the watch', async () => {
  const { ended } = await watchThrough(async (res) => {
    for (let i = 0; i < 17 * 16; i++) {
      if (!res.write('x'.repeat(64 * 1024))) await new Promise((resolve) => res.once('drain', resolve))
    }
  })
  assert.equal(ended, 'watch event too large')
})

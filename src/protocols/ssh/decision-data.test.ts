import assert from 'node:assert/strict'
import { test } from 'node:test'
import { markerNeutraliser } from './decision-data.ts'

async function through(chunks: Buffer[]): Promise<Buffer> {
  const t = markerNeutraliser()
  const out: Buffer[] = []
  t.on('data', (c: Buffer) => out.push(c))
  const done = new Promise((resolve) => t.on('end', resolve))
  for (const c of chunks) t.write(c)
  t.end()
  await done
  return Buffer.concat(out)
}

test('the marker is neutralised even split across chunks; other bytes pass unchanged', async () => {
  const text = 'a taskgate-decision/1 {"x":1}\ntaskgate-decision/1 y'
  for (let cut = 0; cut <= text.length; cut++) {
    const out = await through([Buffer.from(text.slice(0, cut)), Buffer.from(text.slice(cut))])
    assert.equal(out.toString(), 'a taskgate-decision(quoted)/1 {"x":1}\ntaskgate-decision(quoted)/1 y')
  }
  const binary = Buffer.from([0, 255, 128, 0x74, 0x61, 10, 200])
  assert.deepEqual(await through([binary.subarray(0, 4), binary.subarray(4)]), binary)
  assert.equal(
    (await through([Buffer.from('ends with taskgate-deci')])).toString(),
    'ends with taskgate-deci',
  )
})

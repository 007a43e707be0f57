import assert from 'node:assert/strict'
import { test } from 'node:test'
import { upstreamCharset } from './client-charset.ts'

test('readable character sets keep their collation', () => {
  for (const id of [45, 46, 224, 33, 8, 47, 11, 63, 247])
    assert.deepEqual(upstreamCharset(id, 45), { collation: id })
})

test('other known character sets are refused', () => {
  for (const id of [1, 24, 28, 35, 54, 60, 95, 101, 248])
    assert.ok('refused' in upstreamCharset(id, 45), `id ${id}`)
})

test("unknown ids become utf8mb4_general_ci, never the server's default", () => {
  for (const id of [0, 17, 100, 200 + 55, 254]) assert.deepEqual(upstreamCharset(id, 28), { collation: 45 })
  assert.deepEqual(upstreamCharset(255, 255), { collation: 255 })
})

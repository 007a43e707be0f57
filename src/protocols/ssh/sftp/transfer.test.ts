import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { test } from 'node:test'
import { Transfer } from './transfer.ts'

test('chunks answered out of order wait for their turn and are hashed in offset order', () => {
  const transfer = new Transfer('/f', 'read')
  const data = Buffer.from('abcdefghij')
  for (const at of [8, 4, 0, 2, 6]) transfer.add(at, data.subarray(at, at + 2))
  assert.equal(transfer.bytes, 10)
  assert.equal(transfer.digest(), createHash('sha256').update(data).digest('hex'))
})

test('writes that hold no bytes cannot make the waiting chunks grow without bound', () => {
  const transfer = new Transfer('/f', 'write')
  const empty = Buffer.alloc(0)
  // A million empty WRITEs at offsets ahead of the data: ~30 bytes each for the client; each was held (96 MB
  // in all) because the bound counted bytes only. Past the count bound the digest is given up instead.
  for (let at = 1; at <= 1_000_000; at++) transfer.add(at, empty)
  assert.equal(transfer.digest(), 'not sequential')
})

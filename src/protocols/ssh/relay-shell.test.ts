import assert from 'node:assert/strict'
import { test } from 'node:test'
import { inTurns } from './relay-shell.ts'

async function pieces(chunk: Buffer): Promise<Buffer[]> {
  const seen: Buffer[] = []
  await inTurns(chunk, (piece) => {
    seen.push(piece)
    return true
  })
  return seen
}

test('a paste is checked in pieces of at most 64 lines, each ending after a line break', async () => {
  const paste = Buffer.from('ls\r'.repeat(200))
  const seen = await pieces(paste)
  assert.deepEqual(
    seen.map((p) => p.length),
    [192, 192, 192, 24],
  )
  assert.deepEqual(Buffer.concat(seen), paste)
  assert.equal((await pieces(Buffer.from('ls\r'))).length, 1)
})

test('long lines are checked a few kilobytes a turn, not 64 at once', async () => {
  // A line's check grows with its words: 64 lines of 4,000 one-letter words held the event loop for 1.7 s
  // in one turn.
  const line = `${'a '.repeat(2000)}\r`
  const paste = Buffer.from(line.repeat(64))
  const seen = await pieces(paste)
  assert.deepEqual(Buffer.concat(seen), paste)
  assert.equal(seen.length, 32)
  assert.ok(seen.every((p) => p.length <= 4096 + line.length))
})

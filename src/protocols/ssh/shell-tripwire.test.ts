import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ShellLines } from './shell-tripwire.ts'

const forward = () => 'forward' as const

function lines() {
  const records: Array<string | number> = []
  const shell = new ShellLines((line, length) => records.push(line ?? length))
  return { records, shell }
}

test('a line is recorded once the terminal echoes it, the echo split over chunks or after other output', () => {
  const { records, shell } = lines()
  shell.input(Buffer.from('ls -la\r'), forward)
  shell.input(Buffer.from('cat notes\r'), forward)
  shell.output(Buffer.from('$ ls'))
  shell.output(Buffer.from(' -la\r\nfile\r\n$ cat no'))
  assert.deepEqual(records, ['ls -la'])
  shell.output(Buffer.from('tes\r\n'))
  assert.deepEqual(records, ['ls -la', 'cat notes'])
  // Output from before a line was entered is not its echo.
  shell.output(Buffer.from('secret\r\n'))
  shell.input(Buffer.from('secret\r'), forward)
  shell.close()
  assert.deepEqual(records, ['ls -la', 'cat notes', 6])
})

test('lines waiting for their echo are bounded in characters: the oldest are recorded as not echoed', () => {
  const { records, shell } = lines()
  for (let i = 0; i < 8; i++) shell.input(Buffer.from(`${'x'.repeat(3999)}${i}\r`), forward)
  assert.deepEqual(records, [4000, 4000, 4000, 4000])
  shell.output(Buffer.from(`${'x'.repeat(3999)}7`))
  assert.equal(records.at(-1), `${'x'.repeat(3999)}7`)
  shell.close()
  assert.equal(records.length, 8)
})

test('output a byte a chunk while long lines wait unechoed is searched where a new match can end', () => {
  const { records, shell } = lines()
  // Lines the output almost matches (`stty -echo`, then the target prints x a byte a packet): each chunk was
  // searched for in all 64 lines' whole 8 KiB echo, ~1 ms a chunk (30 s of CPU for these 32 KiB).
  for (let i = 0; i < 64; i++) shell.input(Buffer.from(`${'x'.repeat(4094)}yx\r`), forward)
  const x = Buffer.from('x')
  const before = process.cpuUsage()
  for (let i = 0; i < 32 * 1024; i++) shell.output(x)
  const cpu = process.cpuUsage(before)
  shell.close()
  assert.equal(records.length, 64)
  // A catastrophe bound, not a speed claim: about a third of a second here.
  const seconds = (cpu.user + cpu.system) / 1e6
  assert.ok(seconds < 10, `${seconds.toFixed(1)} s of CPU for 32 KiB of output a byte a chunk`)
})

import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import pino from 'pino'
import { ExportWarnings, WARN_INTERVAL_MS } from './export-warnings.ts'

function capture() {
  const lines: Array<Record<string, unknown>> = []
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line))
        done()
      },
    }),
  )
  return { lines, logger }
}

test('a failing collector makes one warn line a minute, with what was lost since the last one', () => {
  const { lines, logger } = capture()
  let now = 1_000_000
  const warnings = new ExportWarnings(logger, () => now)
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318\nmore'), {
    code: 'ECONNREFUSED',
  })
  for (let i = 0; i < 500; i++) {
    warnings.exportFailed(refused, 4)
    now += 100
  }
  // 500 failures over 50 s: one line.
  assert.equal(lines.filter((l) => l.level === 40).length, 1)
  assert.equal(lines[0]?.failedExports, 1)
  assert.equal(lines[0]?.reason, 'ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:4318')
  now += WARN_INTERVAL_MS
  warnings.sdkWarning('Dropped 12 spans because maxQueueSize reached')
  const second = lines.filter((l) => l.level === 40)[1]
  assert.equal(second?.failedExports, 499, 'the failures since the first line')
  assert.equal(second?.lostSpans, 499 * 4)
  assert.equal(second?.sdkWarnings, 1)
  warnings.exportSucceeded()
  warnings.exportSucceeded()
  assert.deepEqual(
    lines.filter((l) => l.level === 30).map((l) => l.msg),
    ['trace export works again'],
  )
})

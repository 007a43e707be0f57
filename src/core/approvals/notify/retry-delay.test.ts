import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isRetryableStatus, parseRetryAfterMs, retryDelayMs } from './retry-delay.ts'

const policy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 60_000 }

test('backoff doubles from the base, within ±25 % jitter', () => {
  const expected = [500, 1000, 2000, 4000, 8000]
  expected.forEach((center, i) => {
    assert.equal(
      retryDelayMs(i + 1, policy, undefined, () => 0.5),
      center,
    )
    assert.equal(
      retryDelayMs(i + 1, policy, undefined, () => 0),
      center * 0.75,
    )
    assert.equal(
      retryDelayMs(i + 1, policy, undefined, () => 1),
      center * 1.25,
    )
  })
})

test('no wait exceeds maxDelayMs, Retry-After included; a longer Retry-After wins over backoff', () => {
  assert.equal(
    retryDelayMs(30, policy, undefined, () => 1),
    60_000,
  )
  assert.equal(
    retryDelayMs(1, policy, 3000, () => 0.5),
    3000,
  )
  assert.equal(
    retryDelayMs(1, policy, 3_600_000, () => 0.5),
    60_000,
  )
  assert.equal(
    retryDelayMs(3, policy, 100, () => 0.5),
    2000,
  )
})

test('Retry-After as seconds or an HTTP-date; garbage is ignored', () => {
  const now = new Date('2026-03-01T12:00:00Z')
  assert.equal(parseRetryAfterMs('7', now), 7000)
  assert.equal(parseRetryAfterMs(' 0 ', now), 0)
  assert.equal(parseRetryAfterMs('Sun, 01 Mar 2026 12:00:30 GMT', now), 30_000)
  assert.equal(parseRetryAfterMs('Sun, 01 Mar 2026 11:00:00 GMT', now), 0)
  assert.equal(parseRetryAfterMs('Sunday, 01-Mar-26 12:00:10 GMT', now), 10_000)
  assert.equal(parseRetryAfterMs('soon', now), undefined)
  assert.equal(parseRetryAfterMs('-5', now), undefined)
  assert.equal(parseRetryAfterMs(null, now), undefined)
})

test('429 and 5xx are retried; other answers are not', () => {
  for (const s of [429, 500, 502, 503, 504]) assert.equal(isRetryableStatus(s), true, String(s))
  for (const s of [301, 400, 401, 403, 404, 410, 413, 422])
    assert.equal(isRetryableStatus(s), false, String(s))
})

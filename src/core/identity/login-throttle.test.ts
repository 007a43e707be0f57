import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isTaskgateError } from '../errors.ts'
import { LoginThrottle } from './login-throttle.ts'

function manualClock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start
  return { now: () => new Date(now), advance: (ms: number) => (now += ms) }
}

const refused = (f: () => void) => {
  try {
    f()
    return undefined
  } catch (error) {
    assert.ok(isTaskgateError(error) && error.code === 'TG_LOGIN_RATE_LIMITED', String(error))
    return error.message
  }
}

test('a source over its failure limit is refused until its window ends', () => {
  const clock = manualClock()
  const throttle = new LoginThrottle({ perSource: 3, perPrincipal: 100, windowMs: 60_000 }, clock)
  for (let i = 0; i < 3; i++) {
    assert.equal(
      refused(() => throttle.admit({ client: '10.0.0.1', principal: `u${i}` })),
      undefined,
    )
    throttle.failed({ client: '10.0.0.1', principal: `u${i}` })
  }
  assert.match(
    refused(() => throttle.admit({ client: '10.0.0.1', principal: 'other' })) ?? '',
    /from this address; try again in 60 s/,
  )
  assert.equal(
    refused(() => throttle.admit({ client: '10.0.0.2', principal: 'other' })),
    undefined,
  )
  clock.advance(60_000)
  assert.equal(
    refused(() => throttle.admit({ client: '10.0.0.1', principal: 'other' })),
    undefined,
  )
})

test('a principal over its limit is refused from every source; an anonymous attempt only counts by source', () => {
  const clock = manualClock()
  const throttle = new LoginThrottle({ perSource: 100, perPrincipal: 2, windowMs: 60_000 }, clock)
  throttle.failed({ client: '10.0.0.1', principal: 'sa:bot' })
  throttle.failed({ client: '10.0.0.2', principal: 'sa:bot' })
  assert.match(
    refused(() => throttle.admit({ client: '10.0.0.3', principal: 'sa:bot' })) ?? '',
    /for this name/,
  )
  for (let i = 0; i < 50; i++) throttle.failed({ client: `10.1.0.${i}` })
  assert.equal(
    refused(() => throttle.admit({ client: '10.2.0.1' })),
    undefined,
  )
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SlackRequestVerifier, slackSignature } from './verify-slack-request.ts'

// Slack's worked example (api.slack.com/authentication/verifying-requests-from-slack).
test("matches Slack's documented example signature", () => {
  const body =
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c'
  assert.equal(
    slackSignature('8f742231b10e8888abcd99yyyzzz85a5', '1531420618', body),
    'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
  )
})

test('remembers signatures within the window, bounded, and forgets them once they are stale', () => {
  const verifier = new SlackRequestVerifier('secret', 2)
  const now = new Date('2026-01-01T00:00:00Z')
  const t = String(now.getTime() / 1000)
  const sign = (body: string) => slackSignature('secret', t, body)
  assert.equal(verifier.check(t, sign('a'), 'a', now), 'ok')
  assert.equal(verifier.check(t, sign('a'), 'a', now), 'replayed')
  assert.equal(verifier.check(t, sign('b'), 'b', now), 'ok')
  // Full of live signatures: refuse rather than forget one early (that would reopen its replay window).
  assert.equal(verifier.check(t, sign('c'), 'c', now), 'busy')
  const later = new Date(now.getTime() + 301_000)
  const t2 = String(later.getTime() / 1000)
  assert.equal(verifier.check(t2, slackSignature('secret', t2, 'c'), 'c', later), 'ok')
  assert.equal(verifier.check(t, sign('a'), 'a', later), 'stale')
})

test('an empty signing secret verifies nothing', () => {
  const now = new Date()
  const t = String(Math.floor(now.getTime() / 1000))
  assert.equal(new SlackRequestVerifier('').check(t, slackSignature('', t, 'x'), 'x', now), 'missing')
})

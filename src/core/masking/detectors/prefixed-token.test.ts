import assert from 'node:assert/strict'
import { test } from 'node:test'
import { awsAccessKey } from './aws-access-key.ts'
import { NO_CONTEXT } from './detector.ts'
import { githubToken } from './github-token.ts'
import { slackToken } from './slack-token.ts'
import { stripeKey } from './stripe-key.ts'

const alnum = (n: number) => 'aB3dE5gH7j'.repeat(Math.ceil(n / 10)).slice(0, n)

test('AWS access key ids', () => {
  assert.ok(awsAccessKey.test('AKIAIOSFODNN7EXAMPLE', NO_CONTEXT))
  assert.ok(awsAccessKey.test('ASIAY34FZKBOKMUTVV7A', NO_CONTEXT))
  assert.deepEqual(awsAccessKey.find('id=AKIAIOSFODNN7EXAMPLE;', NO_CONTEXT), [{ start: 3, end: 23 }])
  for (const value of ['AKIA123', 'AKIAIOSFODNN7EXAMPLEX', 'xAKIAIOSFODNN7EXAMPLE', 'AKIAiosfodnn7example'])
    assert.deepEqual(awsAccessKey.find(value, NO_CONTEXT), [], value)
})

test('GitHub tokens', () => {
  for (const prefix of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'])
    assert.ok(githubToken.test(prefix + alnum(36), NO_CONTEXT))
  assert.ok(githubToken.test(`github_pat_${alnum(22)}_${alnum(59)}`, NO_CONTEXT))
  for (const value of ['ghp_short', 'gh_pages', `ghx_${alnum(36)}`, `my_ghp_${alnum(36)}`])
    assert.deepEqual(githubToken.find(value, NO_CONTEXT), [], value)
})

test('Slack tokens', () => {
  assert.ok(slackToken.test('xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', NO_CONTEXT))
  assert.ok(slackToken.test('xoxp-1234567890-abcdef', NO_CONTEXT))
  assert.deepEqual(slackToken.find('xoxb-1234567890-xoxp-1234567890', NO_CONTEXT), [{ start: 0, end: 31 }])
  for (const value of ['xoxo-hugs', 'xoxb-123', 'xoxz-1234567890-abcdef'])
    assert.deepEqual(slackToken.find(value, NO_CONTEXT), [], value)
})

test('Stripe secret and restricted keys; publishable keys are public', () => {
  for (const prefix of ['sk_live_', 'rk_live_', 'sk_test_'])
    assert.ok(stripeKey.test(prefix + alnum(24), NO_CONTEXT))
  for (const value of [`pk_live_${alnum(24)}`, 'sk_live_', 'sk_live_short', `task_live_${alnum(24)}`])
    assert.deepEqual(stripeKey.find(value, NO_CONTEXT), [], value)
})

import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { resolveSecret } from '../../../config/load.ts'
import { configSchema } from '../../../config/schema.ts'
import { resolveNotificationTargets } from './resolve-targets.ts'

test('config targets resolve to notifier targets, secrets and secret URLs read from the environment', async () => {
  const suffix = randomBytes(4).toString('hex').toUpperCase()
  const secretVar = `TG_TEST_HOOK_SECRET_${suffix}`
  const urlVar = `TG_TEST_SLACK_URL_${suffix}`
  process.env[secretVar] = 'hook-secret'
  process.env[urlVar] = 'https://hooks.slack.test/services/T000/B000/xyz'
  try {
    const config = configSchema.parse({
      notifications: {
        targets: [
          { id: 'audit', kind: 'webhook', url: 'https://audit.example.test/in', secret: { env: secretVar } },
          { id: 'ops', kind: 'slack', url: { env: urlVar }, events: ['approval.requested'], maxAttempts: 3 },
        ],
      },
    })
    assert.deepEqual(await resolveNotificationTargets(config.notifications, resolveSecret), [
      {
        id: 'audit',
        kind: 'webhook',
        url: 'https://audit.example.test/in',
        secret: 'hook-secret',
        maxAttempts: 6,
      },
      {
        id: 'ops',
        kind: 'slack',
        url: 'https://hooks.slack.test/services/T000/B000/xyz',
        events: ['approval.requested'],
        maxAttempts: 3,
      },
    ])
  } finally {
    delete process.env[secretVar]
    delete process.env[urlVar]
  }
  assert.deepEqual(await resolveNotificationTargets(undefined, resolveSecret), [])
})

test('the schema refuses a webhook without a secret, duplicate ids, non-http URLs and unknown events', () => {
  const bad = [
    { id: 'a', kind: 'webhook', url: 'https://x.test/' },
    { id: 'a', kind: 'slack', url: 'ftp://x.test/' },
    { id: 'a', kind: 'slack', url: 'https://x.test/', events: ['grant.approved'] },
    { id: 'a', kind: 'email', url: 'https://x.test/' },
  ]
  for (const target of bad) {
    assert.equal(
      configSchema.safeParse({ notifications: { targets: [target] } }).success,
      false,
      JSON.stringify(target),
    )
  }
  const twice = { id: 'same', kind: 'slack', url: 'https://x.test/' }
  const dup = configSchema.safeParse({ notifications: { targets: [twice, twice] } })
  assert.equal(dup.success, false)
  assert.match(JSON.stringify(dup.error?.issues), /target ids must be unique/)
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText } from './load.ts'

const refused = (yaml: string, message: RegExp) =>
  assert.throws(
    () => parseConfigText(yaml, 'a.yaml'),
    (error: Error) => {
      assert.match(error.message, message)
      return true
    },
  )

test('audit sinks: defaults filled in, each kind validated with the path of the bad field', () => {
  const config = parseConfigText(
    `audit:
  sinks:
    - { id: siem, kind: syslog, host: siem.example, port: 6514 }
    - { id: hook, kind: webhook, url: "https://siem.example/in", secret: { env: HOOK_SECRET } }
    - { id: files, kind: jsonl, path: /var/log/taskgate/audit.jsonl }
`,
    'a.yaml',
  )
  const [syslog, hook, files] = config.audit.sinks
  assert.deepEqual(
    [
      syslog?.kind === 'syslog' && syslog.transport,
      syslog?.batchSize,
      hook?.kind === 'webhook' && hook.maxAttempts,
    ],
    ['tls', 200, 10],
  )
  assert.equal(files?.kind === 'jsonl' && files.maxBytes, 100 * 1024 * 1024)

  refused(
    'audit: { sinks: [{ id: hook, kind: webhook, url: "http://siem.example/in", secret: { env: S } }] }',
    /audit\.sinks\[0\]\.url/,
  )
  refused(
    'audit: { sinks: [{ id: hook, kind: webhook, url: "https://siem.example/in", secret: "clear" }] }',
    /secret/,
  )
  refused(
    'audit: { sinks: [{ id: a, kind: jsonl, path: /x }, { id: a, kind: jsonl, path: /y }] }',
    /sink ids must be unique/,
  )
  refused('audit: { sinks: [{ id: s, kind: syslog, host: h, port: 70000 }] }', /audit\.sinks\[0\]\.port/)
  refused(
    'audit: { sinks: [{ id: s, kind: syslog, host: h, port: 514, tls: { certFile: /c.pem } }] }',
    /certFile and key go together/,
  )
})

test('retention: audit retention needs a checkpoint key; a recordings policy needs a limit and a target', () => {
  refused(
    'retention: { audit: { maxAge: 90d } }',
    /retention\.checkpointKey: audit retention needs checkpointKey/,
  )
  refused('retention: { recordings: [{ kinds: [postgres] }] }', /needs maxAge, maxSize or both/)
  refused('retention: { recordings: [{ maxAge: 30d }] }', /needs resources, kinds or both/)
  const config = parseConfigText(
    'retention: { checkpointKey: { env: K }, audit: { maxAge: 400d }, recordings: [{ resources: ["*"], maxSize: 1048576 }] }',
    'a.yaml',
  )
  assert.equal(config.retention.interval, '1h')
})

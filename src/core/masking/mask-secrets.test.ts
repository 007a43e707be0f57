import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { BUILTIN_DETECTORS } from './detectors/builtin-detectors.ts'
import { NO_CONTEXT } from './detectors/detector.ts'
import { maskSecrets, mayHaveSecretBytes, mayHaveSecrets } from './mask-secrets.ts'

const CREDENTIALS = ['private-key', 'jwt', 'aws-access-key', 'github-token', 'slack-token', 'stripe-key']

const alnum = (n: number) => 'aB3dE5gH7j'.repeat(Math.ceil(n / 10)).slice(0, n)
const jwtHeader = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')
/** One instance of each credential detector's shape. */
const SECRETS = [
  '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE\n-----END OPENSSH PRIVATE KEY-----',
  `${jwtHeader}.eyJzdWIiOiIxIn0.c2lnbmF0dXJl`,
  'AKIAIOSFODNN7EXAMPLE',
  'ASIAY34FZKBOKMUTVV7A',
  ...['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((p) => p + alnum(36)),
  `github_pat_${alnum(22)}_${alnum(59)}`,
  'xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx',
  `sk_live_${alnum(24)}`,
  `rk_test_${alnum(24)}`,
]

test('every credential shape is a candidate and is masked, in text and in the Latin-1 view of its bytes', () => {
  for (const secret of SECRETS) {
    const text = `héllo ✓ ${secret} wörld`
    assert.ok(mayHaveSecrets(text), secret)
    assert.ok(mayHaveSecrets(Buffer.from(text).toString('latin1')), secret)
    assert.ok(mayHaveSecretBytes(Buffer.from(text)), secret)
    assert.equal(maskSecrets(text), 'héllo ✓ **** wörld', secret)
  }
})

test('text without any of the literals is no candidate and comes back as it was', () => {
  for (const text of [
    '',
    'plain output\n',
    'gh_pages k_ xo eyj AKI -----BEGIN',
    'ünïcödé ✓ \u0000\u001b[0m',
  ]) {
    assert.ok(!mayHaveSecrets(text), text)
    assert.ok(!mayHaveSecretBytes(Buffer.from(text)), text)
  }
  const text = 'abcdefghijklmnopqrstuvwxyz\n'.repeat(1000)
  assert.equal(maskSecrets(text), text)
})

test('whatever a credential detector finds, the prefilter flagged (text made of pieces of secrets)', () => {
  const detectors = BUILTIN_DETECTORS.filter((d) => CREDENTIALS.includes(d.id))
  assert.equal(detectors.length, CREDENTIALS.length)
  const pieces = [...SECRETS, ...SECRETS.map((s) => s.slice(0, 5)), ' ', '\n', '_', '-', 'é', 'x', 'eyJ', '.']
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 12 }), (parts) => {
      const text = parts.join('')
      if (detectors.some((d) => d.find(text, NO_CONTEXT).length > 0)) {
        assert.ok(mayHaveSecrets(text))
        assert.ok(mayHaveSecrets(Buffer.from(text).toString('latin1')))
        assert.ok(mayHaveSecretBytes(Buffer.from(text)))
      }
    }),
    { numRuns: 2000 },
  )
})

test('the byte search answers as the search of the Latin-1 view does, whatever the bytes', () => {
  const literals = [
    '-----BEGIN ',
    'eyJ',
    'AKIA',
    'ASIA',
    'ghp_',
    'gho_',
    'ghu_',
    'ghs_',
    'ghr_',
    'github_pat_',
    'xox',
    'k_live_',
    'k_test_',
  ]
  const pieces = [
    ...literals,
    ...literals.map((l) => l.slice(0, -1)),
    ...literals.map((l) => l.slice(1)),
    'J',
    'I',
    '_',
    'x',
    'é',
    '\u0000',
    ' ',
  ]
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 4 })), { maxLength: 12 }),
      (parts) => {
        const bytes = Buffer.from(parts.join(''))
        assert.equal(mayHaveSecretBytes(bytes), mayHaveSecrets(bytes.toString('latin1')))
      },
    ),
    { numRuns: 3000 },
  )
})

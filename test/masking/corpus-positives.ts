// Realistic instances of each detector's kind, as they show up in result columns: alone in a column named
// for them, or inside free text (notes, log lines, JSON-ish payloads).
import { ALNUM, BASE64, BASE64URL, HEX, type Random, UPPER_DIGITS } from './corpus-random.ts'

export interface Positive {
  value: string
  column: string
  expected: string
  /** The sensitive substring that must not survive masking. */
  secret: string
}

const FIRST = [
  'jane',
  'john',
  'maria',
  'wei',
  'fatima',
  'olga',
  'raj',
  'lucas',
  'amara',
  'kenji',
  'sofia',
  'liam',
]
const LAST = [
  'doe',
  'smith',
  'garcia',
  'chen',
  'khan',
  'ivanova',
  'patel',
  'silva',
  'okafor',
  'tanaka',
  'rossi',
]
const DOMAINS = [
  'example.com',
  'mail.example.org',
  'corp.example.co.uk',
  'example.io',
  'examplebank.de',
  'uni.example.edu',
]
const TEXT_COLUMNS = ['notes', 'comment', 'description', 'log_message', 'payload', 'body', 'remarks']

/** Fills `template`'s `{}` with the secret and returns a positive. */
function inText(
  r: Random,
  expected: string,
  secret: string,
  templates: readonly string[],
  columns = TEXT_COLUMNS,
): Positive {
  return { value: r.pick(templates).replace('{}', secret), column: r.pick(columns), expected, secret }
}

function alone(r: Random, expected: string, secret: string, columns: readonly string[]): Positive {
  return { value: secret, column: r.pick(columns), expected, secret }
}

export function luhnComplete(partial: string): string {
  let sum = 0
  for (let i = 0; i < partial.length; i++) {
    let d = partial.charCodeAt(partial.length - 1 - i) - 48
    if (i % 2 === 0) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return partial + String((10 - (sum % 10)) % 10)
}

export function cardNumber(r: Random): string {
  const [prefix, length] = r.pick<[() => string, number]>([
    [() => '4', 16],
    [() => '4', 16],
    [() => '4', 13],
    [() => '4', 19],
    [() => String(r.int(51, 55)), 16],
    [() => String(r.int(2221, 2720)), 16],
    [() => r.pick(['34', '37']), 15],
    [() => r.pick(['6011', String(r.int(644, 649)), '65']), 16],
    [() => String(r.int(3528, 3589)), 16],
    [() => r.pick(['36', '38', String(r.int(300, 305))]), 14],
    [() => '62', r.int(16, 19)],
  ])
  const start = prefix()
  return luhnComplete(start + r.digits(length - start.length - 1))
}

export function formatCard(r: Random, pan: string): string {
  const sep = r.pick(['', '', ' ', '-'])
  if (sep === '') return pan
  const groups =
    pan.length === 15
      ? [4, 6, 5]
      : pan.length === 14
        ? [4, 6, 4]
        : [4, 4, 4, 4, 3].slice(0, Math.ceil(pan.length / 4))
  const out: string[] = []
  let at = 0
  for (const g of groups) {
    if (at >= pan.length) break
    out.push(pan.slice(at, at + g))
    at += g
  }
  if (at < pan.length) out.push(pan.slice(at))
  return out.join(sep)
}

export function emailAddress(r: Random): string {
  const first = r.pick(FIRST)
  const last = r.pick(LAST)
  const local = r.pick([
    `${first}.${last}`,
    `${first[0]}${last}`,
    `${first}+${r.pick(['billing', 'test', 'shop'])}`,
    `${first}_${last}${r.int(1, 99)}`,
    `${first.toUpperCase()}.${last}`,
  ])
  return `${local}@${r.pick(DOMAINS)}`
}

export function phoneNumber(r: Random, international: boolean): string {
  if (international) {
    return r.pick([
      () => `+1 (${r.int(201, 989)}) ${r.int(200, 999)}-${r.digits(4)}`,
      () => `+1${r.int(201, 989)}${r.int(200, 999)}${r.digits(4)}`,
      () => `+44 20 ${r.int(7000, 8999)} ${r.digits(4)}`,
      () => `+49 15${r.int(1, 9)} ${r.digits(4)} ${r.digits(4)}`,
      () => `+33 ${r.int(1, 9)} ${r.digits(2)} ${r.digits(2)} ${r.digits(2)} ${r.digits(2)}`,
      () => `+91 ${r.int(70000, 99999)} ${r.digits(5)}`,
      () => `+61-4${r.digits(2)}-${r.digits(3)}-${r.digits(3)}`,
      () => `+81.90.${r.digits(4)}.${r.digits(4)}`,
    ])()
  }
  return r.pick([
    () => `(${r.int(201, 989)}) ${r.int(200, 999)}-${r.digits(4)}`,
    () => `${r.int(201, 989)}-${r.int(200, 999)}-${r.digits(4)}`,
    () => `${r.int(201, 989)}.${r.int(200, 999)}.${r.digits(4)}`,
    () => `020 ${r.int(7000, 8999)} ${r.digits(4)}`,
    () => `015${r.int(1, 9)} ${r.digits(8)}`,
    () => `${r.int(201, 989)}${r.int(200, 999)}${r.digits(4)}`,
  ])()
}

function mod97(text: string): number {
  let rem = 0
  for (const ch of text) {
    const v = ch >= 'A' && ch <= 'Z' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48
    rem = v > 9 ? (rem * 100 + v) % 97 : (rem * 10 + v) % 97
  }
  return rem
}

export function ibanNumber(r: Random): string {
  const [country, bban] = r.pick<[string, () => string]>([
    ['DE', () => r.digits(18)],
    ['GB', () => r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4) + r.digits(14)],
    ['FR', () => r.digits(10) + r.chars(UPPER_DIGITS, 11) + r.digits(2)],
    ['NL', () => r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4) + r.digits(10)],
    ['ES', () => r.digits(20)],
    ['IT', () => r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 1) + r.digits(10) + r.chars(UPPER_DIGITS, 12)],
    ['CH', () => r.digits(17)],
    ['BE', () => r.digits(12)],
    ['PL', () => r.digits(24)],
  ])
  const body = bban()
  const check = String(98 - mod97(`${body + country}00`)).padStart(2, '0')
  return country + check + body
}

export function printIban(r: Random, compact: string): string {
  return r.next() < 0.5 ? compact : (compact.match(/.{1,4}/g) ?? []).join(' ')
}

export function ssnNumber(r: Random, dashed = true): string {
  let area = r.int(1, 899)
  if (area === 666) area = 667
  const a = String(area).padStart(3, '0')
  const g = String(r.int(1, 99)).padStart(2, '0')
  const s = String(r.int(1, 9999)).padStart(4, '0')
  return dashed ? `${a}-${g}-${s}` : `${a}${g}${s}`
}

export function ipAddress(r: Random): string {
  return r.pick([
    () => `${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
    () => `10.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
    () => `192.168.${r.int(0, 255)}.${r.int(1, 254)}`,
    () => `2001:db8:${r.chars(HEX, 4)}::${r.chars(HEX, r.int(1, 4))}`,
    () => `fe80::${r.chars(HEX, 4)}:${r.chars(HEX, 4)}:${r.chars(HEX, 4)}:${r.chars(HEX, 4)}`,
    () => Array.from({ length: 8 }, () => r.chars(HEX, 4)).join(':'),
    () => `::ffff:${r.int(1, 223)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
  ])()
}

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')

export function jwtToken(r: Random): string {
  const header = r.pick([
    { alg: 'HS256', typ: 'JWT' },
    { alg: 'RS256', kid: r.chars(ALNUM, 8) },
    { alg: 'ES256' },
  ])
  const payload = { sub: r.chars(ALNUM, 10), iat: 1_700_000_000 + r.int(0, 9_999_999), scope: 'read' }
  return `${b64url(header)}.${b64url(payload)}.${r.chars(BASE64URL, r.pick([43, 86, 342]))}`
}

export function pemPrivateKey(r: Random): string {
  const label = r.pick(['PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY'])
  const lines = Array.from({ length: r.int(2, 6) }, () => r.chars(BASE64, 64))
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----`
}

export const tokenMakers: Record<string, (r: Random) => string> = {
  'aws-access-key': (r) => r.pick(['AKIA', 'ASIA']) + r.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16),
  'github-token': (r) =>
    r.next() < 0.7
      ? r.pick(['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) + r.chars(ALNUM, 36)
      : `github_pat_${r.chars(UPPER_DIGITS, 22)}_${r.chars(ALNUM, 59)}`,
  'slack-token': (r) =>
    `${r.pick(['xoxb', 'xoxp', 'xoxa', 'xoxr'])}-${r.digits(12)}-${r.digits(13)}-${r.chars(ALNUM, 24)}`,
  'stripe-key': (r) => r.pick(['sk_live_', 'rk_live_', 'sk_test_']) + r.chars(ALNUM, r.pick([24, 99])),
}

export const templates = {
  card: [
    'paid with card {} on 2024-03-02',
    'Customer read out {} over the phone',
    '{"pan":"{}","exp":"12/27"}',
    'card={} status=declined',
    'refund to {}',
  ],
  email: [
    'Contact {} about invoice 8841',
    'sent receipt to {}.',
    'from: {} subject: refund',
    '{"email":"{}"}',
    'user <{}> logged in',
  ],
  phone: ['call back on {} after 5pm', 'sms sent to {}', 'tel: {}', '{"phone":"{}"}'],
  iban: ['Transfer to IBAN {} failed', 'payout account {}', '{"iban":"{}"}'],
  ssn: ['SSN {} verified', 'applicant ssn: {}', '{"ssn":"{}"}'],
  ip: [
    'GET /api/v1/invoices from {} 200',
    'login from {} failed',
    'client={} latency=12ms',
    'peer [{}]:5432 closed',
  ],
  jwt: ['Authorization: Bearer {}', 'token={}', 'refresh failed for {}'],
  privateKey: ['key material:\n{}\n', '{}', 'ssh config\n{}'],
  token: ['export TOKEN={}', 'leaked credential {} in build log', 'config: {"key": "{}"}'],
} as const

export function positives(r: Random): Positive[] {
  const out: Positive[] = []
  for (let i = 0; i < 320; i++) {
    const secret = formatCard(r, cardNumber(r))
    out.push(
      i % 2
        ? alone(r, 'card', secret, ['card_number', 'cc', 'pan', 'payment_card'])
        : inText(r, 'card', secret, templates.card),
    )
  }
  for (let i = 0; i < 320; i++) {
    const secret = emailAddress(r)
    out.push(
      i % 2
        ? alone(r, 'email', secret, ['email', 'contact_email', 'billing_email', 'owner'])
        : inText(r, 'email', secret, templates.email),
    )
  }
  for (let i = 0; i < 150; i++) {
    const national = i % 3 === 0
    const secret = phoneNumber(r, !national)
    if (national)
      out.push(alone(r, 'phone', secret, ['phone', 'mobile', 'phone_number', 'customer_phone', 'fax']))
    else
      out.push(
        i % 2
          ? alone(r, 'phone', secret, ['phone', 'contact', 'notes'])
          : inText(r, 'phone', secret, templates.phone),
      )
  }
  for (let i = 0; i < 150; i++) {
    const secret = printIban(r, ibanNumber(r))
    out.push(
      i % 2
        ? alone(r, 'iban', secret, ['iban', 'payout_account', 'notes'])
        : inText(r, 'iban', secret, templates.iban),
    )
  }
  for (let i = 0; i < 120; i++) {
    if (i % 3 === 0)
      out.push(alone(r, 'ssn', ssnNumber(r, false), ['ssn', 'social_security_number', 'customer_ssn']))
    else
      out.push(
        i % 2
          ? alone(r, 'ssn', ssnNumber(r), ['ssn', 'tax_ref', 'notes'])
          : inText(r, 'ssn', ssnNumber(r), templates.ssn),
      )
  }
  for (let i = 0; i < 150; i++) {
    const secret = ipAddress(r)
    out.push(
      i % 2
        ? alone(r, 'ip', secret, ['client_ip', 'remote_addr', 'source'])
        : inText(r, 'ip', secret, templates.ip),
    )
  }
  for (let i = 0; i < 100; i++) {
    const secret = jwtToken(r)
    out.push(
      i % 2
        ? alone(r, 'jwt', secret, ['token', 'session', 'auth'])
        : inText(r, 'jwt', secret, templates.jwt, ['headers', 'log_message']),
    )
  }
  for (let i = 0; i < 60; i++)
    out.push(inText(r, 'private-key', pemPrivateKey(r), templates.privateKey, ['config', 'notes', 'secret']))
  for (const [id, make] of Object.entries(tokenMakers)) {
    for (let i = 0; i < 80; i++) {
      const secret = make(r)
      out.push(
        i % 2 ? alone(r, id, secret, ['credential', 'value', 'env']) : inText(r, id, secret, templates.token),
      )
    }
  }
  return out
}

// Near-misses (values shaped like a detector's kind that are not one) and the ordinary values a debugging
// session reads: amounts, statuses, timestamps, ids, versions, hashes. None of them may be masked.
import { cardNumber, ibanNumber, luhnComplete, pemPrivateKey } from './corpus-positives.ts'
import { ALNUM, BASE64, HEX, type Random } from './corpus-random.ts'

export interface Negative {
  value: string
  column: string
  kind: string
}

const LOG = ['log_message', 'notes', 'description', 'status_detail', 'payload']

function luhnInvalid(r: Random): string {
  const pan = cardNumber(r)
  const last = (Number(pan.at(-1)) + r.int(1, 9)) % 10
  return pan.slice(0, -1) + String(last)
}

const makers: Record<string, (r: Random) => Pick<Negative, 'value' | 'column'>> = {
  'luhn-invalid card': (r) => ({
    value: luhnInvalid(r),
    column: r.pick(['card_number', 'notes', 'reference']),
  }),
  'luhn-invalid card in text': (r) => ({ value: `card ${luhnInvalid(r)} declined`, column: r.pick(LOG) }),
  'order id': (r) => ({
    value: r.digits(16),
    column: r.pick(['order_id', 'invoice_number', 'tracking_number']),
  }),
  'luhn-valid order id': (r) => ({
    value: luhnComplete(`4${r.digits(14)}`),
    column: r.pick(['order_id', 'external_ref']),
  }),
  'order ref': (r) => ({
    value: `ORD-${r.int(2019, 2026)}-${r.digits(6)}`,
    column: r.pick(['order_ref', 'notes']),
  }),
  'build number': (r) => ({
    value: r.pick([
      `BUILD-${r.digits(3)}-${r.digits(4)}`,
      `build ${r.int(2019, 2026)}.${r.int(1, 12)}.${r.int(1, 9)}.${r.digits(4)}`,
      `ci-run-${r.digits(8)}`,
    ]),
    column: r.pick(['log_line', 'log_message', 'build', 'notes']),
  }),
  'build number in phone column': (r) => ({ value: `BUILD-${r.digits(3)}-${r.digits(4)}`, column: 'phone' }),
  date: (r) => ({
    value: r.pick([
      `${r.int(2000, 2030)}-${String(r.int(1, 12)).padStart(2, '0')}-${String(r.int(1, 28)).padStart(2, '0')}`,
      `${String(r.int(1, 28)).padStart(2, '0')}/${String(r.int(1, 12)).padStart(2, '0')}/${r.int(2000, 2030)}`,
      `${r.int(2000, 2030)}${String(r.int(1, 12)).padStart(2, '0')}${String(r.int(1, 28)).padStart(2, '0')}`,
    ]),
    column: r.pick(['created_at', 'due_date', 'notes', 'phone']),
  }),
  timestamp: (r) => ({
    value: r.pick([
      `2024-0${r.int(1, 9)}-1${r.int(0, 9)}T${r.int(10, 23)}:${r.int(10, 59)}:${r.int(10, 59)}+05:30`,
      `2024-0${r.int(1, 9)}-1${r.int(0, 9)} ${r.int(10, 23)}:${r.int(10, 59)}:${r.int(10, 59)}.${r.digits(6)}+00`,
      `${r.int(1_600_000_000, 1_800_000_000)}${r.digits(3)}`,
      `${r.int(10, 23)}:${r.int(10, 59)}:${r.int(10, 59)}`,
    ]),
    column: r.pick(['created_at', 'updated_at', 'log_message', 'ts']),
  }),
  version: (r) => ({
    value: r.pick([
      `v${r.int(0, 20)}.${r.int(0, 40)}.${r.int(0, 99)}`,
      `version ${r.int(1, 20)}.${r.int(0, 9)}.${r.int(0, 9)}.${r.int(0, 99)}`,
      `${r.int(1, 20)}.${r.int(0, 9)}.${r.int(0, 9)}.${r.int(0, 99)}`,
      `pkg@${r.int(1, 20)}.${r.int(0, 9)}.${r.int(0, 9)}`,
      `10.0.${r.int(17000, 26000)}.${r.int(1, 999)}`,
    ]),
    column: r.pick(['app_version', 'version', 'build_version']),
  }),
  amount: (r) => ({
    value: r.pick([
      `${r.int(0, 99999)}.${r.digits(2)}`,
      `-${r.int(0, 9999)}.${r.digits(2)}`,
      `+${r.int(1000000, 9999999)}.${r.digits(2)}`,
      `EUR ${r.int(1, 999)},${r.digits(3)},${r.digits(3)}.${r.digits(2)}`,
      `$${r.int(1, 999)},${r.digits(3)}.${r.digits(2)}`,
    ]),
    column: r.pick(['amount', 'total', 'balance', 'notes']),
  }),
  status: (r) => ({
    value: r.pick([
      'paid',
      'pending',
      'refunded',
      'failed',
      'void',
      'partially_refunded',
      'PAST_DUE',
      'active',
    ]),
    column: r.pick(['status', 'state']),
  }),
  'plain count': (r) => ({
    value: String(r.int(0, 999_999_999)),
    column: r.pick(['count', 'quantity', 'id', 'notes']),
  }),
  'nine-digit number': (r) => ({
    value: r.digits(9),
    column: r.pick(['invoice_number', 'routing_number', 'notes']),
  }),
  'invalid ssn': (r) => ({
    value: r.pick([
      `000-${r.digits(2)}-1234`,
      `666-12-${r.digits(4)}`,
      `9${r.digits(2)}-12-3456`,
      `123-00-${r.digits(4)}`,
      `${r.int(100, 899)}-45-0000`,
    ]),
    column: r.pick(['ssn', 'notes']),
  }),
  'ssn-like id': (r) => ({
    value: `REF-${r.int(100, 899)}-${r.digits(2)}-${r.digits(4)}`,
    column: r.pick(LOG),
  }),
  uuid: (r) => ({
    value: `${r.chars(HEX, 8)}-${r.chars(HEX, 4)}-4${r.chars(HEX, 3)}-a${r.chars(HEX, 3)}-${r.chars(HEX, 12)}`,
    column: r.pick(['id', 'request_id', 'notes']),
  }),
  'hex hash': (r) => ({
    value: r.chars(HEX, r.pick([40, 64])),
    column: r.pick(['commit', 'checksum', 'etag']),
  }),
  'base64 blob': (r) => ({
    value: r.chars(BASE64, r.int(20, 120)),
    column: r.pick(['blob', 'nonce', 'payload']),
  }),
  'non-email at': (r) => ({
    value: r.pick([
      'user@localhost',
      `icon@${r.int(2, 3)}x.png`,
      `@${r.chars(ALNUM, 8)}`,
      'name at example dot com',
      `deploy@${r.int(1, 9)}.${r.int(0, 9)}`,
      'a..b@example.com',
    ]),
    column: r.pick(['notes', 'email', 'handle', 'log_message']),
  }),
  'invalid ip': (r) => ({
    value: r.pick([
      `${r.int(256, 999)}.1.1.1`,
      `1.${r.int(0, 9)}.${r.int(0, 9)}`,
      `00:1a:2b:${r.chars(HEX, 2)}:4d:5e`,
      '1.3.6.1.4.1.311.21',
      `std::vector<${r.pick(['int', 'char'])}>`,
      'Foo::Bar::baz',
    ]),
    column: r.pick(['notes', 'log_message', 'client_ip']),
  }),
  'invalid jwt': (r) => ({
    value: r.pick([
      `eyJ${r.chars(ALNUM, 20)}.${r.chars(ALNUM, 30)}.${r.chars(ALNUM, 43)}`,
      `eyJhbGciOiJIUzI1NiJ9.${r.chars(ALNUM, 20)}`,
      'archive.tar.gz',
      'a.b.c',
    ]),
    column: r.pick(['token', 'notes', 'file']),
  }),
  'public pem': (r) => ({
    value: pemPrivateKey(r).replaceAll(/[A-Z ]*PRIVATE KEY/g, r.pick(['PUBLIC KEY', 'CERTIFICATE'])),
    column: r.pick(['certificate', 'notes', 'config']),
  }),
  'token near-miss': (r) => ({
    value: r.pick([
      `AKIA${r.chars(ALNUM, 6)}`,
      `pk_live_${r.chars(ALNUM, 24)}`,
      'sk_live_',
      `ghp_${r.chars(ALNUM, 10)}`,
      'gh_pages',
      'xoxo-hugs',
      `task_live_${r.chars(ALNUM, 20)}`,
      `my_ghp_${r.chars(ALNUM, 36)}`,
    ]),
    column: r.pick(['notes', 'credential', 'branch']),
  }),
  'invalid iban': (r) => {
    const iban = ibanNumber(r)
    const broken =
      r.next() < 0.5 ? iban.slice(0, -1) + String((Number(iban.at(-1)) + 1) % 10) : iban.slice(0, -2)
    return { value: broken, column: r.pick(['iban', 'notes']) }
  },
  'phone-shaped in free text': (r) => ({
    value: `ext ${r.digits(3)}-${r.digits(4)}, room ${r.int(100, 999)}`,
    column: r.pick(LOG),
  }),
  'short plus number': (r) => ({ value: `+${r.int(1, 99999)}`, column: r.pick(['delta', 'notes']) }),
  'url and path': (r) => ({
    value: r.pick([
      `https://example.com/invoices/${r.digits(6)}?page=2`,
      `/var/log/app/${r.digits(8)}.log`,
      `s3://bucket/${r.chars(HEX, 8)}/data.csv`,
    ]),
    column: r.pick(['url', 'path', 'notes']),
  }),
  sentence: (r) => ({
    value: r.pick([
      'Customer asked for a refund of the March invoice.',
      `Retry ${r.int(1, 9)} of 10 after timeout (${r.int(100, 999)} ms).`,
      `Invoice ${r.digits(5)} paid in ${r.int(2, 4)} instalments of ${r.int(10, 99)}.${r.digits(2)} EUR.`,
      'Escalated to tier 2; awaiting bank confirmation.',
      `Batch ${r.digits(4)}: ${r.int(1, 999)} rows imported, ${r.int(0, 9)} rejected.`,
    ]),
    column: r.pick(LOG),
  }),
}

export function negatives(r: Random): Negative[] {
  const out: Negative[] = []
  for (const [kind, make] of Object.entries(makers)) {
    for (let i = 0; i < 60; i++) out.push({ ...make(r), kind })
  }
  return out
}

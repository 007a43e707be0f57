// Masking throughput: values per second through planMasking + maskValue, one core, this machine.
//   node bench/masking.ts [rows]
// Figures: a card column masked by a column rule; an email column scanned by the email detector, and one
// hashed whole (HMAC-SHA256 is most of that cost); a
// free-text column scanned by every detector; a plan whose rules match no column (the common case); and
// planMasking itself on a cached column signature.
import { BUILTIN_DETECTOR_IDS } from '../src/core/masking/detectors/builtin-detectors.ts'
import { type MaskingPlan, maskValue, planMasking, type ResultColumn } from '../src/core/masking/masker.ts'
import { compileMaskingRules } from '../src/core/masking/rules.ts'

const ROWS = Number(process.argv[2] ?? 200_000)

const ruleSet = compileMaskingRules({
  hashKey: 'bench',
  rules: [
    { id: 'cards', style: 'partial', columns: ['card_number'] },
    { id: 'emails', style: 'partial', columns: ['email'], detectors: ['email'] },
    { id: 'owners', style: 'hash', columns: ['owner_email'] },
    { id: 'notes', style: 'redact', columns: ['notes'], detectors: [...BUILTIN_DETECTOR_IDS] },
  ],
})

const columns: ResultColumn[] = [
  { name: 'id', table: 'billing.customers', typeHint: 'number' },
  { name: 'card_number', table: 'billing.customers', typeHint: 'text' },
  { name: 'email', table: 'billing.customers', typeHint: 'text' },
  { name: 'notes', table: 'billing.customers', typeHint: 'text' },
  { name: 'owner_email', table: 'billing.customers', typeHint: 'text' },
]
const untouched: ResultColumn[] = [
  { name: 'id', table: 'billing.invoices', typeHint: 'number' },
  { name: 'amount', table: 'billing.invoices', typeHint: 'number' },
  { name: 'status', table: 'billing.invoices', typeHint: 'text' },
  { name: 'created_at', table: 'billing.invoices', typeHint: 'other' },
]

const cards = Array.from({ length: 1024 }, (_, i) => `4111 1111 1111 ${String(1000 + i).slice(-4)}`)
const emails = Array.from({ length: 1024 }, (_, i) => `customer.${i}@mail.example.com`)
const notes = Array.from({ length: 1024 }, (_, i) =>
  i % 4 === 0
    ? `Customer ${i} asked for a refund; contact jane.${i}@example.com or +44 20 7946 ${String(1000 + i).slice(-4)}.`
    : `Invoice ${8000 + i} paid in 3 instalments of 41.${i % 100} EUR on 2024-03-0${(i % 9) + 1}.`,
)
const statuses = ['paid', 'pending', 'refunded', 'failed']

function measure(
  name: string,
  values: readonly string[],
  run: (plan: MaskingPlan, v: string) => unknown,
  cols: ResultColumn[],
) {
  const plan = planMasking(cols, ruleSet, ['agents'], 'billing-db')
  for (let i = 0; i < 20_000; i++) run(plan, values[i & 1023]!)
  const start = performance.now()
  for (let i = 0; i < ROWS; i++) run(plan, values[i & 1023]!)
  const ms = performance.now() - start
  return {
    case: name,
    values: ROWS,
    'values/s': Math.round((ROWS / ms) * 1000).toLocaleString('en'),
    'ns/value': Math.round((ms * 1e6) / ROWS),
  }
}

const rows = [
  measure('card column, column rule, partial', cards, (p, v) => maskValue(p, 1, v), columns),
  measure('email column, email detector, partial', emails, (p, v) => maskValue(p, 2, v), columns),
  measure('email column, column rule, hash (HMAC)', emails, (p, v) => maskValue(p, 4, v), columns),
  measure('free text, all 12 detectors, redact', notes, (p, v) => maskValue(p, 3, v), columns),
  measure(
    'rules match no column (4 columns/row)',
    statuses,
    (p, v) => {
      for (let c = 0; c < 4; c++) maskValue(p, c, v)
    },
    untouched,
  ),
]

const planStart = performance.now()
for (let i = 0; i < ROWS; i++) planMasking(columns, ruleSet, ['agents'], 'billing-db')
const planMs = performance.now() - planStart
rows.push({
  case: 'planMasking, cached signature (per result set)',
  values: ROWS,
  'values/s': Math.round((ROWS / planMs) * 1000).toLocaleString('en'),
  'ns/value': Math.round((planMs * 1e6) / ROWS),
})

console.log(`masking throughput, node ${process.version}, ${ROWS.toLocaleString('en')} values per case`)
console.table(rows)

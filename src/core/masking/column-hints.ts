import type { Detector, DetectorContext } from './detectors/detector.ts'

// Names of identifiers and counters: a bare digit run in such a column is an id, not a card or a phone.
const ID_WORDS = new Set([
  'id',
  'uuid',
  'order',
  'invoice',
  'build',
  'version',
  'sku',
  'tracking',
  'ticket',
  'ref',
  'reference',
  'number',
  'no',
  'num',
  'seq',
  'sequence',
  'serial',
  'count',
  'total',
  'amount',
  'job',
  'run',
  'batch',
])

/**
 * Words of a column or key name, lower case: `customerPhone`, `customer_phone` and `billing.customer-phone`
 * all give `customer`, `phone`, plus the joined form `customerphone` so a hint can name a compound.
 */
function nameWords(name: string): string[] {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase()
  const words = spaced.split(/[^a-z0-9]+/).filter((w) => w.length > 0)
  if (words.length > 1) words.push(words.join(''))
  return words
}

/** The context a detector sees for values of the column (or JSON key) `name`. */
export function contextFor(name: string, detector: Detector): DetectorContext {
  const words = nameWords(name)
  const hinted = words.some((w) => detector.hints.includes(w))
  // A name that says both (`card_number`) is hinted, and the hint wins.
  const idLike = !hinted && words.some((w) => ID_WORDS.has(w) || w.endsWith('id'))
  return { column: name, hinted, idLike }
}

import { isAlnum } from './chars.ts'
import { type Detector, isWholeMatch } from './detector.ts'
import { findPrefixedTokens, type TokenShape } from './prefixed-token.ts'

// Secret and restricted keys. Publishable keys (`pk_…`) are meant to be public and are left alone.
const SHAPE: TokenShape = {
  prefixes: ['sk_live_', 'rk_live_', 'sk_test_', 'rk_test_'],
  isBodyChar: isAlnum,
  minBody: 16,
  maxBody: 255,
}

/** Stripe secret and restricted API keys. */
export const stripeKey: Detector = {
  id: 'stripe-key',
  hints: ['stripe', 'secret', 'apikey'],
  test: (value, context) => isWholeMatch(stripeKey.find(value, context), value),
  find: (text) => (text.includes('k_') ? findPrefixedTokens(text, SHAPE) : []),
}

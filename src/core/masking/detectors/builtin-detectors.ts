import { awsAccessKey } from './aws-access-key.ts'
import { card } from './card.ts'
import type { Detector } from './detector.ts'
import { email } from './email.ts'
import { githubToken } from './github-token.ts'
import { iban } from './iban.ts'
import { ip } from './ip.ts'
import { jwt } from './jwt.ts'
import { phone } from './phone.ts'
import { privateKey } from './private-key.ts'
import { slackToken } from './slack-token.ts'
import { ssn } from './ssn.ts'
import { stripeKey } from './stripe-key.ts'

/**
 * The built-in detectors, most specific first: where two find overlapping spans the earlier one wins
 * (a JWT's digits are not a card, an IBAN's digits are not a phone).
 */
export const BUILTIN_DETECTORS: readonly Detector[] = [
  privateKey,
  jwt,
  awsAccessKey,
  githubToken,
  slackToken,
  stripeKey,
  email,
  iban,
  card,
  ssn,
  phone,
  ip,
]

export const BUILTIN_DETECTOR_IDS: readonly string[] = BUILTIN_DETECTORS.map((d) => d.id)

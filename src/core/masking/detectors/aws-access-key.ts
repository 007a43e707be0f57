import { isDigit, isUpper } from './chars.ts'
import { type Detector, isWholeMatch } from './detector.ts'
import { findPrefixedTokens, type TokenShape } from './prefixed-token.ts'

// Long-term (AKIA) and temporary STS (ASIA) access key ids: the prefix and 16 upper-case letters or digits.
const SHAPE: TokenShape = {
  prefixes: ['AKIA', 'ASIA'],
  isBodyChar: (c) => isUpper(c) || isDigit(c),
  minBody: 16,
  maxBody: 16,
}

/** AWS access key ids. */
export const awsAccessKey: Detector = {
  id: 'aws-access-key',
  hints: ['aws', 'accesskey', 'awskey'],
  test: (value, context) => isWholeMatch(awsAccessKey.find(value, context), value),
  find: (text) => findPrefixedTokens(text, SHAPE),
}

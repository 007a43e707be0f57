import { DASH, isAlnum } from './chars.ts'
import { type Detector, isWholeMatch } from './detector.ts'
import { findPrefixedTokens, type TokenShape } from './prefixed-token.ts'

// Bot, app-level/user (a), user (p) and refresh (r) tokens: `xoxb-<team>-<bot>-<secret>`.
const SHAPE: TokenShape = {
  prefixes: ['xoxb-', 'xoxa-', 'xoxp-', 'xoxr-'],
  isBodyChar: (c) => isAlnum(c) || c === DASH,
  minBody: 10,
  maxBody: 255,
}

/** Slack API tokens. */
export const slackToken: Detector = {
  id: 'slack-token',
  hints: ['slack', 'token'],
  test: (value, context) => isWholeMatch(slackToken.find(value, context), value),
  find: (text) => (text.includes('xox') ? findPrefixedTokens(text, SHAPE) : []),
}

import { isAlnum } from './chars.ts'
import { type Detector, isWholeMatch } from './detector.ts'
import { findPrefixedTokens, type TokenShape } from './prefixed-token.ts'

// Classic tokens: a type prefix and 36 alphanumerics (the last six a CRC32 we do not check: a token
// that fails it is still someone's attempt at one). Fine-grained: `github_pat_`, 22 + `_` + 59 chars.
const CLASSIC: TokenShape = {
  prefixes: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
  isBodyChar: isAlnum,
  minBody: 36,
  maxBody: 255,
}
const FINE_GRAINED: TokenShape = {
  prefixes: ['github_pat_'],
  isBodyChar: (c) => isAlnum(c) || c === 95,
  minBody: 40,
  maxBody: 255,
}

/** GitHub personal access, OAuth, user-to-server, server-to-server and refresh tokens. */
export const githubToken: Detector = {
  id: 'github-token',
  hints: ['github', 'gh', 'token'],
  test: (value, context) => isWholeMatch(githubToken.find(value, context), value),
  find(text) {
    if (!text.includes('gh') && !text.includes('github_pat_')) return []
    const classic = findPrefixedTokens(text, CLASSIC)
    const fineGrained = findPrefixedTokens(text, FINE_GRAINED)
    if (fineGrained.length === 0) return classic
    return [...classic, ...fineGrained].sort((a, b) => a.start - b.start)
  },
}

// Regular expressions in the configuration (guardrail patterns, custom detectors, `/regex/` column patterns)
// run on what clients send and what databases return, with Node's backtracking engine. A quantified group
// that itself holds a quantifier, like `(a+)+` or `(\w+\s?)*`, can take exponential time on a crafted
// input and freeze the gateway for everybody, so such a pattern is refused at start. This is the classic
// star-height check: it does not prove a pattern linear (`\d+\d+x` is still quadratic), it removes the
// shapes that explode.

/** Why `source` is refused, or undefined when it has no quantified group holding a quantifier. */
export function nestedQuantifierProblem(source: string): string | undefined {
  // For each open group: whether a quantifier (or alternation, which backtracks the same way) occurs in it.
  const groups: boolean[] = []
  let lastGroupQuantified = false
  let i = 0
  while (i < source.length) {
    const ch = source[i]!
    if (ch === '\\') {
      i += 2
      lastGroupQuantified = false
      continue
    }
    if (ch === '[') {
      i = classEnd(source, i)
      lastGroupQuantified = false
      continue
    }
    if (ch === '(') {
      groups.push(false)
      lastGroupQuantified = false
    } else if (ch === ')') {
      lastGroupQuantified = groups.pop() ?? false
      if (lastGroupQuantified && groups.length > 0) groups[groups.length - 1] = true
      i++
      if (isRepeat(source, i) && lastGroupQuantified)
        return `a repeated group holds a repetition or an alternation (near "${source.slice(0, i + 1).slice(-30)}"), which can take exponential time on crafted input; rewrite it without nesting`
      continue
    } else if (isRepeat(source, i) || ch === '|') {
      if (groups.length > 0) groups[groups.length - 1] = true
    }
    lastGroupQuantified = false
    i++
  }
  return undefined
}

/** Whether a quantifier that can repeat more than once starts at `i` (`?` alone cannot). */
function isRepeat(source: string, i: number): boolean {
  const ch = source[i]
  if (ch === '*' || ch === '+') return true
  if (ch !== '{') return false
  const m = /^\{(\d*)(,?)(\d*)\}/.exec(source.slice(i, i + 24))
  return m !== null && (m[2] === ',' ? m[3] !== '0' && m[3] !== '1' : Number(m[1]) > 1)
}

/** Index after the character class starting at `start`. */
function classEnd(source: string, start: number): number {
  let i = start + 1
  if (source[i] === ']') i++
  while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1
  return i + 1
}

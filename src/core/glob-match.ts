/**
 * Whether `text` matches `glob`, where `*` matches any run of characters and, when `anyChar` is given,
 * that character matches exactly one. Both scope objects (`sales.*`) and column patterns (`*_phone`) are
 * globs some outside party can write or match against, so this never builds a backtracking RegExp
 * (`^a.*a.*a.*b$` against forty `a`s blocked the event loop for seconds, issue #10): the classic
 * two-pointer match keeps only the last `*` as its backtrack point, which is enough for globs because a
 * later `*` can absorb anything an earlier one could. Worst case O(glob × text), no recursion.
 */
export function globMatches(glob: string, text: string, anyChar?: string): boolean {
  let g = 0
  let t = 0
  let starAt = -1
  let resumeAt = 0
  while (t < text.length) {
    const ch = glob[g]
    if (ch === '*') {
      starAt = g++
      resumeAt = t
    } else if (ch !== undefined && (ch === text[t] || ch === anyChar)) {
      g++
      t++
    } else if (starAt !== -1) {
      g = starAt + 1
      t = ++resumeAt
    } else {
      return false
    }
  }
  while (glob[g] === '*') g++
  return g === glob.length
}

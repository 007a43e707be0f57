import { globMatches } from './glob-match.ts'

/**
 * Whether a `/`-separated path matches a path glob, segment by segment (gitignore's and Ant's reading):
 * `*` matches within one segment, never a `/` (`/v1/invoices/*` covers `/v1/invoices/42`, not
 * `/v1/invoices/42/refund`); a segment that is `*` alone needs a non-empty segment (`/v1/invoices/` is
 * the list, not an invoice); a segment that is `**` alone matches any number of whole segments, none
 * included (`/v1/**` covers `/v1`, `/v1/` and everything below; `/a/**\/z` covers `/a/z` and `/a/b/c/z`);
 * `**` inside a segment is two `*`. A trailing `/` is significant, as it is to most routers.
 *
 * `path` may itself be a pattern (a requested scope entry against a ceiling): a `*` in it is then covered by
 * any star of the glob, and a `**` segment only by a `**` segment, so a covered pattern never matches more
 * than its cover. A real path holding a `**` segment is thus reached only through `**` (fail closed).
 *
 * Linear-time like globMatches (no backtracking RegExp, see REVIEW.md): the two-pointer match keeps only
 * the last `**` as its backtrack point, which is sound because every other segment of the glob matches
 * exactly one segment of the path. Worst case O(glob × path), no recursion.
 */
export function pathGlobMatches(glob: string, path: string): boolean {
  const globs = glob.split('/')
  const segments = path.split('/')
  let g = 0
  let s = 0
  let starAt = -1
  let resumeAt = 0
  while (s < segments.length) {
    const pattern = globs[g]
    if (pattern === '**') {
      starAt = g++
      resumeAt = s
    } else if (pattern !== undefined && segmentMatches(pattern, segments[s]!)) {
      g++
      s++
    } else if (starAt !== -1) {
      g = starAt + 1
      s = ++resumeAt
    } else {
      return false
    }
  }
  while (globs[g] === '**') g++
  return g === globs.length
}

function segmentMatches(pattern: string, segment: string): boolean {
  if (segment === '**') return false
  if (pattern === '*') return segment !== ''
  return pattern === segment || (pattern.includes('*') && globMatches(pattern, segment))
}

// styles.css claims WCAG AA contrast: every text colour reaches 4.5:1 on each background it is drawn on,
// in the light and the dark scheme. Computed from the custom properties themselves, so a new colour that
// breaks the claim fails here rather than in someone's eyes.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

const css = readFileSync(new URL('../../web/src/styles.css', import.meta.url), 'utf8')

function properties(block: string): Map<string, string> {
  return new Map([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})\s*;/gi)].map((m) => [m[1]!, m[2]!]))
}

const light = properties(/:root\s*{([^}]*)}/.exec(css)![1]!)
const dark = properties(/prefers-color-scheme:\s*dark\)\s*{\s*:root\s*{([^}]*)}/.exec(css)![1]!)

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

// Text colours and the backgrounds each appears on (SQL is shown in timeline rows, selected rows and
// statement blocks; outcome badges sit on their own tint).
const pairs: Array<[string, string[]]> = [
  ['text', ['bg', 'panel', 'code-bg']],
  ['muted', ['bg', 'panel', 'code-bg']],
  ['accent', ['bg', 'panel']],
  ['danger', ['bg', 'panel']],
  ['kw', ['panel', 'code-bg']],
  ['str', ['panel', 'code-bg']],
  ['num', ['panel', 'code-bg']],
  ['cmt', ['panel', 'code-bg']],
  ['allow', ['allow-bg']],
  ['deny', ['deny-bg']],
  ['held', ['held-bg']],
]

for (const [scheme, colours] of [
  ['light', light],
  ['dark', dark],
] as const) {
  test(`${scheme} scheme: every text colour reaches 4.5:1 on its backgrounds`, () => {
    const failures: string[] = []
    for (const [fg, backgrounds] of pairs) {
      for (const bg of backgrounds) {
        const ratio = contrast(colours.get(fg)!, colours.get(bg)!)
        if (ratio < 4.5) failures.push(`--${fg} on --${bg}: ${ratio.toFixed(2)}:1`)
      }
    }
    assert.deepEqual(failures, [])
  })
}

// One shell word as the classifier sees it, from its syntax node: a literal (known before it runs, after quote
// removal), a glob (file names the shell fills in), or dynamic (an expansion, substitution or tilde: known
// only when it runs). Only literals can match a command scope; guardrails read `shape`, the word with its
// expansions left as written, as a best effort.
import type { Node } from 'web-tree-sitter'

export type Word =
  | { kind: 'literal'; value: string; shape: string }
  | { kind: 'glob'; shape: string }
  | { kind: 'dynamic'; shape: string }

/** The grammar and bash disagree about where a word ends (a character bash treats as syntax inside what
 * the grammar calls one word): the command is refused rather than classified as the grammar reads it. */
export class WordMismatch extends Error {}

// Inside an unquoted word these are syntax to bash: the grammar should have split or nested the word there.
const SYNTAX = new Set(['$', '`', '(', ')', '<', '>', '|', '&', ';', '"', "'", ' ', '\t', '\n'])

export function wordOf(node: Node): Word {
  // Every child of a concatenation, unnamed ones too (the grammar leaves a trailing `$` unnamed): none may be
  // left out of the word.
  const parts = node.type === 'concatenation' ? node.children.filter((c) => c !== null) : [node]
  let value = ''
  let shape = ''
  let kind: Word['kind'] = 'literal'
  // The parts of one word follow each other with nothing between them.
  if (parts.some((p, i) => i > 0 && parts[i - 1]!.endIndex !== p.startIndex)) kind = 'dynamic'
  parts.forEach((part, i) => {
    const one = partOf(part, i === 0)
    shape += one.shape
    if (one.kind === 'literal') value += one.value
    else if (one.kind === 'dynamic' || kind === 'literal') kind = one.kind
  })
  // A `{a,b}` or `{1..3}` list spans parts the grammar splits (`{`, `a,b`, `}`): bash expands it.
  if (kind === 'literal' && hasBraceList(node)) kind = 'dynamic'
  return kind === 'literal' ? { kind, value, shape } : { kind, shape }
}

function partOf(node: Node, first: boolean): Word {
  if (!node.isNamed) return { kind: 'dynamic', shape: node.text }
  switch (node.type) {
    case 'word':
    case 'number':
      return unquoted(node.text, first)
    case 'raw_string':
      return { kind: 'literal', value: node.text.slice(1, -1), shape: node.text.slice(1, -1) }
    case 'string':
      return doubleQuoted(node)
    default:
      return { kind: 'dynamic', shape: node.text }
  }
}

function unquoted(text: string, first: boolean): Word {
  let value = ''
  let kind: Word['kind'] = 'literal'
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === '\\') {
      const next = text[++i]
      if (next === undefined) throw new WordMismatch('a backslash ends the word')
      if (next !== '\n') value += next
    } else if (SYNTAX.has(ch)) {
      throw new WordMismatch(`"${ch}" inside a word`)
    } else if (ch === '*' || ch === '?' || ch === '[') {
      if (kind === 'literal') kind = 'glob'
      value += ch
    } else if (ch === '~' && ((first && i === 0) || text[i - 1] === '=' || text[i - 1] === ':')) {
      // A tilde expands to a home directory at a word's start, and after = or : (assignments, PATH lists).
      kind = 'dynamic'
      value += ch
    } else value += ch
  }
  return kind === 'literal' ? { kind, value, shape: value } : { kind, shape: value }
}

function doubleQuoted(node: Node): Word {
  const inner = node.text.slice(1, -1)
  const expands = node.namedChildren.some((c) => c !== null && c.type !== 'string_content')
  if (expands) return { kind: 'dynamic', shape: inner }
  let value = ''
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!
    if (ch === '$' || ch === '`') return { kind: 'dynamic', shape: inner }
    if (ch === '\\' && '$`"\\\n'.includes(inner[i + 1] ?? '')) {
      if (inner[i + 1] !== '\n') value += inner[i + 1]
      i++
    } else value += ch
  }
  return { kind: 'literal', value, shape: value }
}

function hasBraceList(node: Node): boolean {
  // Without a `{` there is no list: the search below (a walk through the WASM tree) is most of what
  // classifying a word costs, and a command line of 4,000 one-letter words took 40 ms.
  if (!node.text.includes('{')) return false
  const unquoted = node.type === 'concatenation' ? node.namedChildren : [node]
  const bare = unquoted.map((c) => (c && (c.type === 'word' || c.type === 'number') ? c.text : ' ')).join('')
  return /\{[^}\s]*(,|\.\.)[^}\s]*\}/.test(bare) || node.descendantsOfType('brace_expression').length > 0
}

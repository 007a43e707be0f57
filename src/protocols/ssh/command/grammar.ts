// Reads a command line with a real shell grammar: tree-sitter's bash grammar (tree-sitter-bash, compiled to
// WASM, run by web-tree-sitter; DEPENDENCIES.md says why this one). Bounded before and while parsing, since
// the text comes from clients: a cap on length, operators and nesting characters before the parse (the
// grammar is super-linear on long pipelines: 8 KiB of `a|` took ~0.4 s in a probe), a cap on parse progress
// during it, and on depth and node count after it. Whatever does not parse completely and cleanly is refused.
import { createRequire } from 'node:module'
import { Language, type Node, Parser, type Tree } from 'web-tree-sitter'
import { hasInvisible } from '../../../kinds/ssh-command-pattern.ts'

/** Longest command line classified; longer ones are refused (agents' commands are far shorter). */
export const MAX_COMMAND_LENGTH = 8192
/** Most `|`, `&`, `;` and line breaks in one command line. */
const MAX_OPERATORS = 256
/** Most `(`, `{` and backquotes (substitutions, subshells, groups) in one command line. */
const MAX_NESTING_CHARACTERS = 128
/** Deepest syntax tree accepted. */
const MAX_TREE_DEPTH = 96
const MAX_TREE_NODES = 20_000
// About one progress call per 100 bytes of input was seen; cancel well past what MAX_COMMAND_LENGTH needs.
const MAX_PARSE_PROGRESS_CALLS = 4000

const require = createRequire(import.meta.url)
await Parser.init()
const BASH = await Language.load(require.resolve('tree-sitter-bash/tree-sitter-bash.wasm'))
const parser = new Parser()
parser.setLanguage(BASH)

export type Parsed = { ok: true; root: Node; release(): void } | { ok: false; problem: string }

/** The syntax tree of `text`, or why it is refused. Call `release()` when done with the tree. */
export function parseShell(text: string): Parsed {
  const problem = lexicalProblem(text)
  if (problem) return { ok: false, problem }
  let calls = 0
  const progressCallback = (() => ++calls > MAX_PARSE_PROGRESS_CALLS) as unknown as () => void
  let tree: Tree | null
  try {
    tree = parser.parse(text, null, { progressCallback })
  } catch {
    tree = null
  }
  if (!tree) return { ok: false, problem: 'the command took too long to parse' }
  const shapeProblem = treeProblem(tree.rootNode, text)
  if (shapeProblem) {
    tree.delete()
    return { ok: false, problem: shapeProblem }
  }
  return { ok: true, root: tree.rootNode, release: () => tree.delete() }
}

function lexicalProblem(text: string): string | undefined {
  if (text.length > MAX_COMMAND_LENGTH) return `the command is longer than ${MAX_COMMAND_LENGTH} characters`
  if (text.includes('\u0000')) return 'the command holds a NUL byte'
  if (hasInvisible(text)) return 'the command holds a control or invisible character'
  if (text.trim() === '') return 'the command is empty'
  // bash deletes a backslash-newline before it splits words (`r\<newline>m` runs rm); the grammar reads it as
  // a blank. They agree only where a blank is already on one side, so a continuation inside a word is refused.
  if (continuationInWord(text)) return 'a line continuation inside a word'
  // `{fd}>file` opens a descriptor into a variable; the grammar reads `{fd}` as an argument.
  if (/\{[A-Za-z_][A-Za-z0-9_]*\}[<>]/.test(text)) return 'a named file descriptor ({var}>file)'
  // An escaped tab is part of a word to bash; the grammar drops it.
  if (/(^|[^\\])(\\\\)*\\\t/.test(text)) return 'an escaped tab'
  let operators = 0
  let nesting = 0
  for (const ch of text) {
    if (ch === '|' || ch === '&' || ch === ';' || ch === '\n') operators++
    else if (ch === '(' || ch === '{' || ch === '`') nesting++
  }
  if (operators > MAX_OPERATORS) return `the command has more than ${MAX_OPERATORS} operators`
  if (nesting > MAX_NESTING_CHARACTERS) return `the command nests more than ${MAX_NESTING_CHARACTERS} times`
  return undefined
}

/** A backslash-newline (one the backslash before it does not escape) with a word character on each side: a
 * backslash escaped just before it counts as one (`\\\\<newline>a` joins `\\` and `a`). */
function continuationInWord(text: string): boolean {
  for (let at = text.indexOf('\\\n'); at >= 0; at = text.indexOf('\\\n', at + 1)) {
    let run = 0
    while (text[at - 1 - run] === '\\') run++
    if (run % 2 === 1) continue // this backslash is escaped: a literal backslash, then a real line break
    const before = run > 0 ? '\\' : (text[at - 1] ?? ' ')
    const after = text[at + 2] ?? ' '
    if (!/\s/.test(before) && !/\s/.test(after)) return true
  }
  return false
}

/** Errors, missing tokens, text the tree does not cover, or a tree too deep or large to walk. */
function treeProblem(root: Node, text: string): string | undefined {
  if (root.hasError) return 'the command does not parse as shell'
  if (text.slice(root.endIndex).trim() !== '' || text.slice(0, root.startIndex).trim() !== '')
    return 'the command does not parse as shell'
  const cursor = root.walk()
  let depth = 0
  let nodes = 0
  try {
    for (;;) {
      if (++nodes > MAX_TREE_NODES) return 'the command is too large'
      if (cursor.gotoFirstChild()) {
        if (++depth > MAX_TREE_DEPTH) return `the command nests deeper than ${MAX_TREE_DEPTH}`
        continue
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return undefined
        depth--
      }
    }
  } finally {
    cursor.delete()
  }
}

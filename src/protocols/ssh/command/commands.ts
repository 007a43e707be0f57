// A command line as sequences of commands and operators in source order. The bash grammar nests `&&`/`||`
// inside pipelines (tree-sitter-bash gives `a | b && c` as a pipeline holding a list); bash binds `|` tighter.
// Flattening every list, pipeline and redirected statement into one sequence keeps the order, which is all
// a command scope and the pipe guardrails need: a pipe joins the commands either side of it.
import type { Node } from 'web-tree-sitter'
import { type Word, wordOf } from './words.ts'

export interface Redirect {
  /** The operator as written, with its file descriptor (`>`, `2>`, `>&`, `<<`, `<<<`, …). */
  op: string
  /** The target (file, descriptor or here-string); a here-document has its body's literal text, if any. */
  target: Word
  heredoc?: boolean
  node: Node
}

export interface SimpleCommand {
  type: 'command'
  assignments: { name: string; value: Word }[]
  /** Program and arguments, in order. */
  words: Word[]
  redirects: Redirect[]
  node: Node
}

/** A compound command (subshell, group, if, loop, function, `[[ ]]`, `!`, comment): never a command scope. */
export interface Compound {
  type: 'compound'
  redirects: Redirect[]
  node: Node
}

export type Item = SimpleCommand | Compound | { type: 'op'; text: string }

const FLATTENED = new Set(['program', 'list', 'pipeline', 'redirected_statement'])
const OPERATORS = new Set([';', '&', '&&', '||', '|', '|&'])
const REDIRECTS = new Set(['file_redirect', 'heredoc_redirect', 'herestring_redirect'])
// declaration_command (export, local, declare, readonly) and unset_command are compounds here: their
// assignments are arguments, which the simple-command model would move before the program.
const COMMANDS = new Set(['command', 'variable_assignment'])

/** The items of one sequence: `node` is the program or a statement container. */
export function sequenceOf(node: Node): Item[] {
  const items: Item[] = []
  flatten(node, items)
  while (items.at(-1)?.type === 'op' && (items.at(-1) as { text: string }).text === ';') items.pop()
  return items
}

function flatten(node: Node, items: Item[]): void {
  for (const child of node.children) {
    if (!child) continue
    if (!child.isNamed && OPERATORS.has(child.type)) items.push({ type: 'op', text: child.type })
    else if (FLATTENED.has(child.type)) flatten(child, items)
    else if (child.type === 'heredoc_redirect') {
      commandFor(items).redirects.push(redirectOf(child))
      // The grammar puts what follows `<<EOF` on its line (`| sh`, `&& ls`) inside the redirection node.
      flatten(heredocTail(child), items)
    } else if (REDIRECTS.has(child.type)) commandFor(items).redirects.push(redirectOf(child))
    else {
      // Anything else, a token the grammar leaves unnamed included, is a statement of its own: a compound one
      // (no command form) unless it is a simple command. Nothing of the text is left out of the sequence.
      if (items.length > 0 && items.at(-1)!.type !== 'op') items.push({ type: 'op', text: ';' })
      items.push(
        COMMANDS.has(child.type) ? commandOf(child) : { type: 'compound', redirects: [], node: child },
      )
    }
  }
}

const HEREDOC_PARTS = new Set(['heredoc_start', 'heredoc_body', 'heredoc_end', 'file_descriptor'])

/** A heredoc_redirect seen as the statements after its start marker (an object flatten() can walk). */
function heredocTail(node: Node): Node {
  const children = node.children.filter((c) => c?.isNamed && !HEREDOC_PARTS.has(c.type))
  return { children } as unknown as Node
}

/** The command a redirection belongs to: the one before it, or a command of its own (`; >/etc/x`). */
function commandFor(items: Item[]): SimpleCommand | Compound {
  const last = items.at(-1)
  if (last && last.type !== 'op') return last
  const empty: Compound = { type: 'compound', redirects: [], node: { namedChildren: [] } as unknown as Node }
  items.push(empty)
  return empty
}

function commandOf(node: Node): SimpleCommand {
  const command: SimpleCommand = { type: 'command', assignments: [], words: [], redirects: [], node }
  const add = (child: Node) => {
    if (child.type === 'variable_assignment') command.assignments.push(assignmentOf(child))
    else if (REDIRECTS.has(child.type)) command.redirects.push(redirectOf(child))
    else if (child.type === 'command_name') command.words.push(nameOf(child))
    else if (child.isNamed && child.type !== 'comment') command.words.push(wordOf(child))
    // An unnamed token (a lone `$`) or a comment inside a command: bash may read it as a word.
    else command.words.push({ kind: 'dynamic', shape: child.text })
  }
  if (node.type === 'variable_assignment') add(node)
  else {
    let previous: Node | undefined
    for (const child of node.children) {
      if (!child) continue
      add(child)
      // Between two parts of a command bash needs a blank, and takes anything else (an escaped blank, nothing
      // at all: `]\A`, `b]\ ^`) as part of one word. Where the grammar splits without one, the command is
      // not what the grammar says: it gets no command form.
      if (previous && !separated(node, previous, child))
        command.words.push({ kind: 'dynamic', shape: previous.text + child.text })
      previous = child
    }
  }
  return command
}

function separated(command: Node, a: Node, b: Node): boolean {
  if (REDIRECTS.has(a.type) || REDIRECTS.has(b.type)) return true
  const gap = command.text.slice(a.endIndex - command.startIndex, b.startIndex - command.startIndex)
  return /^(?:[ \t]|\\\n)+$/.test(gap) && /[ \t]/.test(gap)
}

function nameOf(node: Node): Word {
  const only = node.childCount === 1 ? node.firstChild : null
  return only?.isNamed ? wordOf(only) : { kind: 'dynamic', shape: node.text }
}

function assignmentOf(node: Node): { name: string; value: Word } {
  const name = node.childForFieldName('name')?.text ?? ''
  const value = node.childForFieldName('value')
  // `A+=x` appends, `a[i]=x` indexes (an arithmetic context that can run commands): neither is NAME=value.
  const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && node.children.some((c) => c?.type === '=')
  if (!plain) return { name: name || '?', value: { kind: 'dynamic', shape: node.text } }
  return { name, value: value ? wordOf(value) : { kind: 'literal', value: '', shape: '' } }
}

function redirectOf(node: Node): Redirect {
  if (node.type === 'heredoc_redirect') {
    const body = node.descendantsOfType('heredoc_body')[0]
    const expands = body?.namedChildren.some((c) => c !== null && c.type !== 'heredoc_content') ?? false
    const text = body?.text ?? ''
    const quotedDelimiter = /^['"\\]/.test(
      node.childForFieldName('delimiter')?.text ?? node.child(1)?.text ?? '',
    )
    const target: Word =
      expands && !quotedDelimiter
        ? { kind: 'dynamic', shape: text }
        : { kind: 'literal', value: text, shape: text }
    return { op: '<<', target, heredoc: true, node }
  }
  const fd = node.childForFieldName('descriptor')?.text ?? ''
  const op = node.children.find((c) => c !== null && !c.isNamed)?.type ?? '?'
  const destination =
    node.childForFieldName('destination') ??
    node.namedChildren.filter((c) => c?.type !== 'file_descriptor').at(-1)
  return { op: fd + op, target: destination ? wordOf(destination) : { kind: 'dynamic', shape: '' }, node }
}

/** One sequence of the tree; `isolated`: it runs in a shell of its own (the script, a subshell, a command or
 * process substitution), so a `cd` in it moves nothing outside it. */
export interface Sequence {
  items: Item[]
  isolated: boolean
}

const ISOLATED = new Set(['program', 'subshell', 'command_substitution', 'process_substitution'])

/** Every sequence in the tree: the top one and those inside substitutions, subshells, groups, loops and
 * functions, each with its own pipes; every simple command is in exactly one of them. */
export function allSequences(root: Node): Sequence[] {
  const out: Sequence[] = []
  const visit = (node: Node) => {
    const items = sequenceOf(node)
    if (items.length > 0) out.push({ items, isolated: ISOLATED.has(node.type) })
    for (const item of items) {
      if (item.type !== 'op')
        for (const r of item.redirects) visitInside(r.heredoc ? heredocBody(r.node) : r.node)
      if (item.type === 'compound') visitInside(item.node)
      else if (item.type === 'command')
        for (const child of item.node.namedChildren) if (child) visitInside(child)
    }
  }
  const visitInside = (node: Node): void => {
    if (node.type !== 'variable_assignment' && hasStatements(node)) {
      visit(node)
      return
    }
    for (const child of node.namedChildren) if (child) visitInside(child)
  }
  visit(root)
  return out
}

/** A here-document's body: its substitutions run (unless the delimiter is quoted, when it has none). */
const heredocBody = (node: Node): Node =>
  node.descendantsOfType('heredoc_body')[0] ?? ({ namedChildren: [] } as unknown as Node)

const STATEMENT_TYPES = new Set([
  ...FLATTENED,
  ...COMMANDS,
  'subshell',
  'compound_statement',
  'if_statement',
  'while_statement',
  'for_statement',
  'c_style_for_statement',
  'case_statement',
  'function_definition',
  'negated_command',
  'test_command',
])

function hasStatements(node: Node): boolean {
  return node.namedChildren.some((c) => c !== null && STATEMENT_TYPES.has(c.type))
}

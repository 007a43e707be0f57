// One command line read once: its canonical form (for command scopes) and its traits (for guardrails).

import { formatCommand, program } from '../../../kinds/ssh-command-pattern.ts'
import { commandForm } from './command-form.ts'
import { allSequences, sequenceOf } from './commands.ts'
import { parseShell } from './grammar.ts'
import { commandTraits, type Findings, sequenceTraits } from './traits.ts'
import { type Word, WordMismatch } from './words.ts'

/** How deep scripts inside scripts (`sh -c '…'`, `eval '…'`, a here-document fed to a shell) are read. */
const MAX_SCRIPT_DEPTH = 4

type Analysis = { form: string | undefined; traits: string[]; commands: string[] } | { problem: string }

export function analyseCommandLine(text: string): Analysis {
  try {
    const found: Findings = { traits: new Set(), commands: new Set() }
    const form = readScript(text, 0, found, true)
    return { form, traits: [...found.traits].sort(), commands: [...found.commands] }
  } catch (error) {
    if (error instanceof Unreadable || error instanceof WordMismatch) return { problem: error.message }
    throw error
  }
}

/** An argument vector run without a shell (Kubernetes exec): every word literal, no operators. */
export function analyseArgv(argv: readonly string[]): Analysis {
  try {
    const found: Findings = { traits: new Set(), commands: new Set() }
    const words: Word[] = argv.map((value) => ({ kind: 'literal', value, shape: value }))
    commandTraits({ assignments: [], words, redirects: [] }, found, nestedReader(0, found))
    const tokens = argv.map((text, i) => ({
      type: 'word' as const,
      text: i === 0 ? program(text) : text,
      assign: false,
    }))
    return { form: formatCommand(tokens), traits: [...found.traits].sort(), commands: [...found.commands] }
  } catch (error) {
    if (error instanceof Unreadable || error instanceof WordMismatch) return { problem: error.message }
    throw error
  }
}

function nestedReader(depth: number, found: Findings) {
  return (script: string, optional?: boolean) => {
    try {
      readScript(script, depth + 1, found, false)
    } catch (error) {
      if (!optional || !(error instanceof Unreadable || error instanceof WordMismatch)) throw error
    }
  }
}

/** A command line the classifier refuses; thrown from inside nested scripts to refuse the whole line. */
class Unreadable extends Error {}

function readScript(text: string, depth: number, found: Findings, top: boolean): string | undefined {
  if (depth > MAX_SCRIPT_DEPTH) throw new Unreadable(`scripts nest deeper than ${MAX_SCRIPT_DEPTH} levels`)
  const parsed = parseShell(text)
  if (!parsed.ok) throw new Unreadable(depth === 0 ? parsed.problem : `a nested script: ${parsed.problem}`)
  try {
    const form = top ? commandForm(sequenceOf(parsed.root)) : undefined
    const nested = nestedReader(depth, found)
    for (const sequence of allSequences(parsed.root)) sequenceTraits(sequence, found, nested)
    return form
  } finally {
    parsed.release()
  }
}

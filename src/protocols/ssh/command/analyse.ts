// One command line read once: its canonical form (for command scopes) and its traits (for guardrails).
import { commandForm } from './command-form.ts'
import { allSequences, sequenceOf } from './commands.ts'
import { parseShell } from './grammar.ts'
import { sequenceTraits } from './traits.ts'
import { WordMismatch } from './words.ts'

/** How deep scripts inside scripts (`sh -c '…'`, `eval '…'`, a here-document fed to a shell) are read. */
const MAX_SCRIPT_DEPTH = 4

type Analysis = { form: string | undefined; traits: string[] } | { problem: string }

export function analyseCommandLine(text: string): Analysis {
  try {
    const traits = new Set<string>()
    const form = readScript(text, 0, traits, true)
    return { form, traits: [...traits].sort() }
  } catch (error) {
    if (error instanceof Unreadable || error instanceof WordMismatch) return { problem: error.message }
    throw error
  }
}

/** A command line the classifier refuses; thrown from inside nested scripts to refuse the whole line. */
class Unreadable extends Error {}

function readScript(text: string, depth: number, traits: Set<string>, top: boolean): string | undefined {
  if (depth > MAX_SCRIPT_DEPTH) throw new Unreadable(`scripts nest deeper than ${MAX_SCRIPT_DEPTH} levels`)
  const parsed = parseShell(text)
  if (!parsed.ok) throw new Unreadable(depth === 0 ? parsed.problem : `a nested script: ${parsed.problem}`)
  try {
    const form = top ? commandForm(sequenceOf(parsed.root)) : undefined
    const nested = (script: string) => {
      readScript(script, depth + 1, traits, false)
    }
    for (const sequence of allSequences(parsed.root)) sequenceTraits(sequence, traits, nested)
    return form
  } finally {
    parsed.release()
  }
}

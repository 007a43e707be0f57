// One command line read once: its canonical form (for command scopes) and its traits (for guardrails).

import { formatCommand, program } from '../../../kinds/ssh-command-pattern.ts'
import { commandForm } from './command-form.ts'
import { allSequences, sequenceOf } from './commands.ts'
import { parseShell } from './grammar.ts'
import { commandTraits, type Findings, sequenceTraits } from './traits.ts'
import { type Word, WordMismatch } from './words.ts'
import { startPlaces } from './working-directory.ts'

/** How deep scripts inside scripts (`sh -c '…'`, `eval '…'`, a here-document fed to a shell) are read. */
const MAX_SCRIPT_DEPTH = 4

type Analysis = { form: string | undefined; traits: string[]; commands: string[] } | { problem: string }

export function analyseCommandLine(text: string): Analysis {
  try {
    const unquoted = text.replace(/['"\\]/g, '')
    const cdpath = unquoted.includes('CDPATH')
    let found = findings(false, cdpath)
    let form = readScript(text, 0, found, true)
    // A `cd` in a loop, group, function or condition moves commands read before it (the loop's next round,
    // the commands after the group): read again with every relative path in any directory.
    if (found.places.unplaced) {
      found = findings(true, cdpath)
      form = readScript(text, 0, found, true)
    }
    if (redirectedByEnvironment(unquoted, found.traits))
      found.traits.add('sudoers-edit').add('authorized-keys-edit')
    return { form, traits: [...found.traits].sort(), commands: [...found.commands] }
  } catch (error) {
    if (error instanceof Unreadable || error instanceof WordMismatch) return { problem: error.message }
    throw error
  }
}

const findings = (anywhere: boolean, cdpath: boolean): Findings => ({
  traits: new Set(),
  commands: new Set(),
  places: startPlaces(anywhere, cdpath),
})

// Variables that move the configuration curl, wget and aria2c read unasked (`WGETRC=/tmp/rc wget URL`,
// `export CURL_HOME=/tmp/h; curl …`), where a config may say where to write (`output = /etc/sudoers.d/x`),
// or git's work tree (GIT_WORK_TREE, GIT_DIR whose config sets core.worktree, GIT_CONFIG_* adding it):
// looked for in the whole line with quotes removed (`env W"GETRC"=… wget`), erring wide.
const DOWNLOADER_CONFIG_VARIABLE = /(^|[^A-Za-z0-9_])(CURL_HOME|WGETRC|XDG_CONFIG_HOME|HOME)\+?=/
const GIT_PLACE_VARIABLE = /(^|[^A-Za-z0-9_])(GIT_WORK_TREE|GIT_DIR|GIT_CONFIG[A-Z0-9_]*)\+?=/

function redirectedByEnvironment(unquoted: string, traits: ReadonlySet<string>): boolean {
  const downloads = traits.has('program:curl') || traits.has('program:wget') || traits.has('program:aria2c')
  return (
    (downloads && DOWNLOADER_CONFIG_VARIABLE.test(unquoted)) ||
    (traits.has('program:git') && GIT_PLACE_VARIABLE.test(unquoted))
  )
}

/** An argument vector run without a shell (Kubernetes exec): every word literal, no operators. */
export function analyseArgv(argv: readonly string[]): Analysis {
  try {
    const found = findings(false, false)
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
    for (const [i, sequence] of allSequences(parsed.root).entries())
      sequenceTraits(sequence, found, nested, i === 0)
    return form
  } finally {
    parsed.release()
  }
}

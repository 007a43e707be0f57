// Guardrail traits of one sequence (src/kinds/ssh-guardrails.ts names the rules that match them). A best
// effort by nature: a shell is a programming language, and a command built at run time (`$X -rf /`) shows
// nothing here. The sound control is a command scope; these traits stop the common and the careless cases,
// including through wrappers and scripts passed as text.

import { formatCommand, program } from '../../../kinds/ssh-command-pattern.ts'
import type { Item, SimpleCommand } from './commands.ts'
import { downloadThenRun, type Nested, pipesIntoShell, type Stage, stageOf } from './into-shell.ts'
import { invocationTraits, redirectTraits } from './program-effects.ts'
import { type Invocation, unwrap } from './programs.ts'

/** What reading a command line finds: guardrail traits, and the canonical form of every command in it whose
 * words are all literal (index.ts gives them to core as the action's `parts`). */
export interface Findings {
  traits: Set<string>
  commands: Set<string>
}

export function sequenceTraits(items: readonly Item[], found: Findings, nested: Nested): void {
  const { traits } = found
  const stages: Stage[] = []
  for (const item of items) {
    if (item.type === 'op') {
      structureOf(item.text, traits)
      continue
    }
    for (const r of item.redirects) redirectTraits(r, traits)
    if (item.type === 'compound') {
      traits.add('compound')
      stages.push({ shells: false, sources: false })
      continue
    }
    stages.push(commandTraits(item, found, nested))
  }
  if (pipesIntoShell(items, stages, nested) || downloadThenRun(stages)) traits.add('download-into-shell')
}

function structureOf(op: string, traits: Set<string>): void {
  if (op === '|' || op === '|&') traits.add('pipeline')
  else traits.add('command-list')
  if (op === '&') traits.add('background')
}

// Most command forms kept per line: each is matched against every guardrail with `needs`.
const MAX_PARTS = 32

function invocationForm(inv: Invocation): string | undefined {
  if (inv.program === undefined || inv.args.some((a) => a.kind !== 'literal')) return undefined
  const words = [program(inv.program), ...inv.args.map((a) => (a as { value: string }).value)]
  return formatCommand(words.map((text) => ({ type: 'word', text, assign: false })))
}

// `rm${IFS}-rf${IFS}/`: $IFS splits words where no blank is written. Read once more with blanks for it.
const IFS = /\$(IFS\b|\{IFS[^}]*\})/
const EVERY_IFS = new RegExp(IFS.source, 'g')

export function commandTraits(
  command: Pick<SimpleCommand, 'assignments' | 'words' | 'redirects'>,
  found: Findings,
  nested: Nested,
): Stage {
  const { traits } = found
  if (command.assignments.length > 0) traits.add('env-assignment')
  if (
    command.words.some((w) => w.kind === 'dynamic') ||
    command.assignments.some((a) => a.value.kind === 'dynamic')
  )
    traits.add('expansion')
  if (command.words[0] && command.words[0].kind !== 'literal') traits.add('dynamic-program')
  if (command.words.some((w) => w.kind === 'dynamic' && IFS.test(w.shape))) {
    traits.add('ifs-expansion')
    nested(command.words.map((w) => w.shape.replace(EVERY_IFS, ' ')).join(' '), true)
  }
  const { invocations, scripts, dynamicScript } = unwrap(command.words)
  if (dynamicScript) traits.add('dynamic-script')
  for (const s of scripts) nested(s)
  for (const inv of invocations) {
    if (inv.name) traits.add(`program:${inv.name}`)
    invocationTraits(inv, traits)
    const form = invocationForm(inv)
    if (form !== undefined && found.commands.size < MAX_PARTS) found.commands.add(form)
  }
  return stageOf(command, invocations, traits, nested)
}

// Guardrail traits of one sequence (src/kinds/ssh-guardrails.ts names the rules that match them). A best
// effort by nature: a shell is a programming language, and a command built at run time (`$X -rf /`) shows
// nothing here. The sound control is a command scope; these traits stop the common and the careless cases,
// including through wrappers and scripts passed as text.

import { formatCommand, program } from '../../../kinds/ssh-command-pattern.ts'
import type { Sequence, SimpleCommand } from './commands.ts'
import { downloadThenRun, type Nested, pipesIntoShell, type Stage, stageOf } from './into-shell.ts'
import { invocationTraits, redirectTraits } from './program-effects.ts'
import { type Invocation, unwrap } from './programs.ts'
import { directoryChange, type Places, SOMEWHERE } from './working-directory.ts'

/** What reading a command line finds: guardrail traits, and the canonical form of every command in it whose
 * words are all literal (index.ts gives them to core as the action's `parts`). */
export interface Findings {
  traits: Set<string>
  commands: Set<string>
  /** The directories commands may run in, for relative paths (working-directory.ts). */
  places: Places
}

/** `first`: a script's own sequence, whose commands run in order from where the script started (the home
 * directory, or the caller's for `sh -c '…'`); any other sequence (a loop's body, a subshell, a function)
 * starts wherever a command of the line may have run. Neither moves the caller's directory. */
export function sequenceTraits(sequence: Sequence, found: Findings, nested: Nested, first: boolean): void {
  const { traits, places } = found
  const caller = places.current
  if (!first) moveTo(places, [...places.seen])
  const stages: Stage[] = []
  for (const item of sequence.items) {
    if (item.type === 'op') {
      structureOf(item.text, traits)
      // After `&&` the next command runs only if this one succeeded; after `;`, `||`, `|` or `&`, wherever
      // any command before it did (`cd /x; tar -xf a.tar` extracts into the home when the cd fails).
      if (item.text !== '&&') moveTo(places, [...places.seen])
      continue
    }
    for (const r of item.redirects) redirectTraits(r, traits, places.current)
    if (item.type === 'compound') {
      traits.add('compound')
      stages.push({ shells: false, sources: false })
      continue
    }
    stages.push(commandTraits(item, found, nested, sequence.isolated))
  }
  places.current = caller
  if (pipesIntoShell(sequence.items, stages, nested) || downloadThenRun(stages))
    traits.add('download-into-shell')
}

// Most directories kept for one line: `cd a; cd b; cd c; …` doubles them at each step (each cd may start
// from any directory before it). Past this many, the directory is unknown (any).
const MAX_PLACES = 8

function moveTo(places: Places, directories: readonly string[]): void {
  const next = new Set(directories)
  if (places.anywhere) next.add(SOMEWHERE)
  places.current = next.size > MAX_PLACES ? [SOMEWHERE] : [...next]
  for (const d of places.current) places.seen.add(d)
  if (places.seen.size > MAX_PLACES) {
    places.seen.clear()
    places.seen.add(SOMEWHERE)
  }
}

/** Where the shell is after the command: a `cd`/`pushd`/`popd`'s directory; anywhere after a program known
 * only when it runs or one running text in this shell (`eval`, `source`, `.`), which may change directory. */
function directoryAfter(invocations: readonly Invocation[], places: Places): string[] | undefined {
  for (const inv of invocations) {
    const moved = directoryChange(inv, places)
    if (moved) return moved
    if (inv.name === '' || inv.name === 'eval' || inv.name === 'source' || inv.name === '.')
      return [...places.current, SOMEWHERE]
  }
  return undefined
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

/** `placed`: the command runs in its sequence's order (not in a loop, group, function or condition body,
 * where a directory change would reach commands read before it). */
export function commandTraits(
  command: Pick<SimpleCommand, 'assignments' | 'words' | 'redirects'>,
  found: Findings,
  nested: Nested,
  placed = true,
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
    invocationTraits(inv, traits, found.places.current)
    const form = invocationForm(inv)
    if (form !== undefined && found.commands.size < MAX_PARTS) found.commands.add(form)
  }
  const after = directoryAfter(invocations, found.places)
  if (after) {
    if (!placed) found.places.unplaced = true
    moveTo(found.places, after)
  }
  return stageOf(command, invocations, traits, nested)
}

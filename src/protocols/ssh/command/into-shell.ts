// Text run as a script through a pipe, a substitution or a here-document: `curl … | sh`, `base64 -d | bash`,
// `sh -c "$(curl …)"`, `echo 'rm -rf /' | sh`, `cat <<EOF | sh`. Downloads and decoded text are denied as
// such (their content is not known before it runs); literal text fed to a shell is read as a script.
import type { Item } from './commands.ts'
import { type Invocation, SHELLS } from './programs.ts'
import type { Word } from './words.ts'

/** Reads a script found inside the command; `optional`: a guess, whose failure to parse is not a refusal. */
export type Nested = (script: string, optional?: boolean) => void

export interface Stage {
  /** A shell or interpreter reading its program from standard input. */
  shells: boolean
  /** A download or a decoder: what it writes is not known before it runs. */
  sources: boolean
  /** The literal text the stage writes (echo, printf, cat of a here-document), when known. */
  emits?: string
  /** Files a download writes (`curl -o f`, `wget -O f`, `curl … > f`). */
  downloads?: string[]
  /** Files run as a script or program (`sh f`, `bash ./f`, `./f`, `. f`). */
  runs?: string[]
}

interface CommandParts {
  words: readonly Word[]
  redirects: readonly { op: string; target: Word }[]
}

/** What one command does as a stage of a pipeline, and the traits of running text it is handed. */
export function stageOf(
  command: CommandParts,
  invocations: readonly Invocation[],
  traits: Set<string>,
  nested: Nested,
): Stage {
  const stage: Stage = { shells: false, sources: false }
  for (const inv of invocations) {
    if (readsScriptFromStdin(inv)) {
      stage.shells = true
      // A shell fed a here-document or here-string runs it: read it as a script.
      for (const r of command.redirects)
        if (r.op.endsWith('<<') || r.op.endsWith('<<<')) feed(r.target, nested, traits)
      if (command.redirects.some((r) => fetches(r.target.shape))) traits.add('download-into-shell')
    }
    if (runsText(inv) && inv.args.some((a) => a.kind === 'dynamic' && fetches(a.shape)))
      traits.add('download-into-shell')
    if (DOWNLOADERS.has(inv.name) || decodes(inv)) stage.sources = true
  }
  const last = invocations.at(-1)
  if (last) stage.emits = emitted(last, command.redirects)
  if (stage.sources) stage.downloads = downloadedFiles(invocations, command.redirects)
  stage.runs = invocations.flatMap(ranFile).map(samePath)
  return stage
}

/** `curl -o x.sh URL && sh x.sh`: a file a download wrote, run later in the same line. */
export function downloadThenRun(stages: readonly Stage[]): boolean {
  const written = new Set<string>()
  for (const s of stages) {
    if (s.runs?.some((f) => written.has(f))) return true
    for (const f of s.downloads ?? []) written.add(f)
  }
  return false
}

const samePath = (path: string): string => (path.startsWith('./') ? path.slice(2) : path)

function downloadedFiles(invocations: readonly Invocation[], redirects: CommandParts['redirects']): string[] {
  const files: string[] = []
  for (const r of redirects) if (/^1?>>?$|^>\|$|^&>>?$/.test(r.op)) files.push(r.target.shape)
  for (const inv of invocations) {
    // curl writes `-o FILE` (also `-sSLo FILE`), `-O` the URL's own name; wget `-O FILE`, else the URL's name.
    const valued = inv.name === 'wget' ? /^(-[a-zA-Z]*O|--output-document)$/ : /^(-[a-zA-Z]*o|--output)$/
    let named = false
    inv.args.forEach((a, i) => {
      const v = a.kind === 'literal' ? a.value : a.shape
      const next = inv.args[i + 1]
      if (next && valued.test(v)) {
        files.push(next.shape)
        named = true
      }
      const eq = /^(--output|--output-document)=(.+)$/.exec(v)
      if (eq) files.push(eq[2]!)
    })
    const remoteName =
      inv.name === 'wget'
        ? !named
        : inv.args.some((a) => a.kind === 'literal' && /^(-[a-zA-Z]*O[a-zA-Z]*|--remote-name)$/.test(a.value))
    if (remoteName)
      for (const a of inv.args) {
        const url = /^[a-z]+:\/\/[^/]+\/(?:[^?#]*\/)?([^/?#]+)/.exec(a.shape)
        if (url) files.push(url[1]!)
      }
  }
  return files.map(samePath)
}

/** The script a shell, interpreter or `source` runs, or the program path itself when it is a file path. */
function ranFile(inv: Invocation): string[] {
  if (inv.program?.includes('/')) return [inv.program]
  if (!SHELLS.has(inv.name) && !INTERPRETER.test(inv.name) && inv.name !== 'source' && inv.name !== '.')
    return []
  const operand = inv.args.find((a) => !(a.kind === 'literal' && a.value.startsWith('-')))
  return operand ? [operand.shape] : []
}

/** Pipes from a download or decoder into a shell (denied), and literal text piped into one (read). */
export function pipesIntoShell(items: readonly Item[], stages: readonly Stage[], nested: Nested): boolean {
  let stage = 0
  let fedByDownload = false
  let texts: string[] = []
  for (const item of items) {
    if (item.type === 'op') {
      if (item.text !== '|' && item.text !== '|&') {
        fedByDownload = false
        texts = []
      }
      continue
    }
    const s = stages[stage++]!
    if (s.shells) for (const text of texts) nested(text)
    if (fedByDownload && s.shells) return true
    if (s.sources) fedByDownload = true
    if (s.emits !== undefined) texts.push(s.emits)
  }
  return false
}

function feed(target: Word, nested: Nested, traits: Set<string>): void {
  if (target.kind === 'literal') nested(target.value)
  else {
    traits.add('dynamic-script')
    if (fetches(target.shape)) traits.add('download-into-shell')
  }
}

/** What echo, printf or cat write when it is all literal (printf's \n and \t read as such). */
function emitted(inv: Invocation, redirects: CommandParts['redirects']): string | undefined {
  const literal = inv.args.every((a) => a.kind === 'literal')
  const values = inv.args.map((a) => (a.kind === 'literal' ? a.value : ''))
  if (inv.name === 'echo' && literal) return values.filter((v) => !/^-[neE]+$/.test(v)).join(' ')
  if (inv.name === 'printf' && literal)
    return values.join(' ').replaceAll('\\n', '\n').replaceAll('\\t', '\t')
  if (inv.name === 'cat' && inv.args.length === 0) {
    const doc = redirects.find((r) => r.op.endsWith('<<') || r.op.endsWith('<<<'))
    return doc?.target.kind === 'literal' ? doc.target.value : undefined
  }
  return undefined
}

const DOWNLOADERS = new Set([
  'curl',
  'wget',
  'fetch',
  'aria2c',
  'lwp-download',
  'lwp-request',
  'http',
  'https',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'ftp',
  'tftp',
  'scp',
  'rsync',
  'ssh',
])
const INTERPRETER =
  /^(python[0-9.]*|pypy[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|deno|bun|php[0-9.]*|lua[0-9.]*|tclsh|Rscript|osascript|pwsh|powershell)$/

/** base64 -d, xxd -r, openssl enc -d … : a decoder whose output, piped into a shell, is a hidden script. */
function decodes(inv: Invocation): boolean {
  const flags = inv.args.filter((a) => a.kind === 'literal').map((a) => (a as { value: string }).value)
  if (/^(base64|base32|basenc)$/.test(inv.name))
    return flags.some((f) => f === '--decode' || /^-[a-zA-Z]*d/.test(f))
  if (inv.name === 'xxd') return flags.some((f) => /^-[a-zA-Z]*r/.test(f))
  if (inv.name === 'openssl') return flags.some((f) => f === '-d' || f === 'base64' || f === '-base64')
  return /^(gunzip|zcat|bunzip2|xz|unxz|uudecode|rev)$/.test(inv.name)
}

/** A shell or interpreter that reads its program from standard input: no script file named, or `-s`/`-`. */
function readsScriptFromStdin(inv: Invocation): boolean {
  if (!SHELLS.has(inv.name) && !INTERPRETER.test(inv.name) && inv.name !== 'source' && inv.name !== '.')
    return false
  const words = inv.args.map((a) => (a.kind === 'literal' ? a.value : '?'))
  if (words.some((w) => w === '-' || w === '-s' || w === '/dev/stdin' || w.startsWith('/dev/fd/')))
    return true
  if (inv.name === 'source' || inv.name === '.') return words.length === 0
  if (words.some((w) => /^-[a-zA-Z]*[ce]$/.test(w))) return false
  return !words.some((w) => !w.startsWith('-'))
}

/** Programs that run text they are given: shells, interpreters, eval, source. */
const runsText = (inv: Invocation): boolean =>
  SHELLS.has(inv.name) || INTERPRETER.test(inv.name) || /^(eval|source|\.|xargs)$/.test(inv.name)

const FETCH_TEXT = /(^|[\s;|&(`])(curl|wget|fetch|nc|ncat|socat|base64|xxd|openssl)(\s|$)/

/** A substitution or process substitution whose commands download or decode (`sh -c "$(curl …)"`). */
const fetches = (shape: string): boolean => /\$\(|`|<\(/.test(shape) && FETCH_TEXT.test(shape)

// Guardrail traits of one sequence (src/kinds/ssh-guardrails.ts names the rules that match them). A best
// effort by nature: a shell is a programming language, and a command built at run time (`$X -rf /`) shows
// nothing here. The sound control is a command scope; these traits stop the common and the careless cases,
// including through wrappers and scripts passed as text.
import { posix } from 'node:path'
import { WILDCARD, wordCovers } from '../../../kinds/ssh-command-pattern.ts'
import type { Item, Redirect, SimpleCommand } from './commands.ts'
import { type Invocation, SHELLS, unwrap } from './programs.ts'
import type { Word } from './words.ts'

type Nested = (script: string) => void

export function sequenceTraits(items: readonly Item[], traits: Set<string>, nested: Nested): void {
  const stages: { shells: boolean; sources: boolean }[] = []
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
    stages.push(commandTraits(item, traits, nested))
  }
  if (pipesIntoShell(items, stages)) traits.add('download-into-shell')
}

function structureOf(op: string, traits: Set<string>): void {
  if (op === '|' || op === '|&') traits.add('pipeline')
  else traits.add('command-list')
  if (op === '&') traits.add('background')
}

function commandTraits(command: SimpleCommand, traits: Set<string>, nested: Nested) {
  if (command.assignments.length > 0) traits.add('env-assignment')
  if (
    command.words.some((w) => w.kind === 'dynamic') ||
    command.assignments.some((a) => a.value.kind === 'dynamic')
  )
    traits.add('expansion')
  if (command.words[0] && command.words[0].kind !== 'literal') traits.add('dynamic-program')
  const { invocations, scripts, dynamicScript } = unwrap(command.words)
  if (dynamicScript) traits.add('dynamic-script')
  for (const s of scripts) nested(s)
  let shells = false
  let sources = false
  for (const inv of invocations) {
    if (inv.name) traits.add(`program:${inv.name}`)
    invocationTraits(inv, traits)
    if (readsScriptFromStdin(inv)) {
      shells = true
      // A shell fed a here-document or here-string runs it: read it as a script.
      for (const r of command.redirects)
        if (r.op.endsWith('<<') || r.op.endsWith('<<<')) feed(r.target, nested, traits)
      if (command.redirects.some((r) => fetches(r.target.shape))) traits.add('download-into-shell')
    }
    if (runsText(inv) && inv.args.some((a) => a.kind === 'dynamic' && fetches(a.shape)))
      traits.add('download-into-shell')
    if (DOWNLOADERS.has(inv.name) || decodes(inv)) sources = true
  }
  return { shells, sources }
}

function feed(target: Word, nested: Nested, traits: Set<string>): void {
  if (target.kind === 'literal') nested(target.value)
  else {
    traits.add('dynamic-script')
    if (fetches(target.shape)) traits.add('download-into-shell')
  }
}

// --- curl | sh --------------------------------------------------------------------------------------------

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

function pipesIntoShell(
  items: readonly Item[],
  stages: readonly { shells: boolean; sources: boolean }[],
): boolean {
  let stage = 0
  let fedByDownload = false
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!
    if (item.type === 'op') {
      if (item.text !== '|' && item.text !== '|&') fedByDownload = false
      continue
    }
    const s = stages[stage++]!
    if (fedByDownload && s.shells) return true
    if (s.sources) fedByDownload = true
  }
  return false
}

// --- what one program does ---------------------------------------------------------------------------------

const TOP_LEVEL = new Set([
  'bin',
  'boot',
  'dev',
  'etc',
  'home',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'media',
  'mnt',
  'opt',
  'proc',
  'root',
  'run',
  'sbin',
  'snap',
  'srv',
  'sys',
  'usr',
  'var',
  'boot',
  'tmp',
])
const SHUTDOWN = new Set(['shutdown', 'reboot', 'poweroff', 'halt', 'kexec'])
const FORMAT = /^(mkfs(\..+)?|mke2fs|mkswap|wipefs|mkdosfs|mkntfs|mkexfatfs|sgdisk|sfdisk)$/
const EDITORS = new Set([
  'vi',
  'vim',
  'nvim',
  'nano',
  'emacs',
  'ed',
  'ex',
  'pico',
  'joe',
  'mcedit',
  'micro',
  'jed',
  'vis',
  'kak',
  'hx',
  'sudoedit',
  'sponge',
  'truncate',
  'shred',
  'rm',
  'unlink',
  'mv',
  'tee',
])
const COPIERS = new Set(['cp', 'install', 'ln', 'rsync', 'scp'])

function invocationTraits(inv: Invocation, traits: Set<string>): void {
  const values = literalArgs(inv)
  if (inv.name === 'rm' && removesRoot(inv)) traits.add('recursive-delete-root')
  if (inv.name === 'find' && inv.args[0] && dangerousRoot(inv.args[0]) && findDeletes(values))
    traits.add('recursive-delete-root')
  if (FORMAT.test(inv.name)) traits.add('filesystem-format')
  if (SHUTDOWN.has(inv.name)) traits.add('host-shutdown')
  if ((inv.name === 'init' || inv.name === 'telinit') && values.some((v) => v === '0' || v === '6'))
    traits.add('host-shutdown')
  if (
    inv.name === 'systemctl' &&
    values.some((v) => /^(poweroff|reboot|halt|kexec|emergency|rescue|soft-reboot)$/.test(v))
  )
    traits.add('host-shutdown')
  if (inv.name === 'dd')
    for (const v of values)
      if (v.startsWith('of=') && rawDevice(v.slice(3), true)) traits.add('raw-device-write')
  if (inv.name === 'visudo' && !values.some((v) => v === '-c' || v === '--check')) traits.add('sudoers-edit')
  for (const target of writeTargets(inv)) pathTraits(target.shape, traits, COPIERS.has(inv.name))
}

/** `find … -delete`, or `-exec rm …` (-execdir, -ok): every match under the start point is deleted. */
function findDeletes(values: readonly string[]): boolean {
  return values.some(
    (v, i) =>
      v === '-delete' || (/^-(exec|execdir|ok|okdir)$/.test(v) && /(^|\/)rm$/.test(values[i + 1] ?? '')),
  )
}

function literalArgs(inv: Invocation): string[] {
  return inv.args.filter((a) => a.kind === 'literal').map((a) => (a as { value: string }).value)
}

/** Operands: the words after the options (all words after `--`). */
function operands(args: readonly Word[]): Word[] {
  const out: Word[] = []
  let options = true
  for (const a of args) {
    const v = a.kind === 'literal' ? a.value : a.shape
    if (options && v === '--') options = false
    else if (!options || !v.startsWith('-') || v === '-') out.push(a)
  }
  return out
}

function removesRoot(inv: Invocation): boolean {
  const flags = inv.args
    .filter((a) => a.kind === 'literal' && a.value.startsWith('-'))
    .map((a) => (a as { value: string }).value)
  if (flags.includes('--no-preserve-root')) return true
  const recursive = flags.some((f) => f === '--recursive' || /^-[a-zA-Z]*[rR]/.test(f))
  return recursive && operands(inv.args).some(dangerousRoot)
}

/** `/`, `/*`, a top-level directory or everything in it, the home directory: as written, `..` resolved. */
function dangerousRoot(word: Word): boolean {
  const shape = word.shape
  if (/^(~|\$HOME|\$\{HOME\})\/?\*?$/.test(shape)) return true
  if (!shape.startsWith('/')) return false
  const path = posix.normalize(shape).replace(/\/+$/, '')
  if (path === '' || path === '/*' || path === '/.*') return true
  const m = /^\/([^/]+)(\/\*)?$/.exec(path)
  return m !== null && (TOP_LEVEL.has(m[1]!) || m[1]!.includes('*') || m[1]!.includes('?'))
}

function rawDevice(path: string, anyDevice: boolean): boolean {
  const p = posix.normalize(path)
  if (!p.startsWith('/dev/')) return false
  if (/^\/dev\/(null|zero|full|random|urandom|tty|stdout|stderr|stdin|fd\/\d+|pts\/\d+)$/.test(p))
    return false
  return (
    anyDevice ||
    /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|md|dm-|loop|nbd|sr|mapper\/|disk\/|mem$|kmem$|port$)/.test(p)
  )
}

/** Files the program writes, as written: tee's, an editor's, sed -i's, cp/mv/ln's destination. */
function writeTargets(inv: Invocation): Word[] {
  const ops = operands(inv.args)
  const flags = literalArgs(inv).filter((v) => v.startsWith('-'))
  if (EDITORS.has(inv.name)) return ops
  if (inv.name === 'sed' && flags.some((f) => f.startsWith('--in-place') || /^-[a-zA-Z]*i/.test(f)))
    return ops
  if (inv.name === 'perl' && flags.some((f) => /^-[a-zA-Z]*i/.test(f))) return ops
  if (COPIERS.has(inv.name)) {
    const t = inv.args.findIndex(
      (a) => a.kind === 'literal' && (a.value === '-t' || a.value === '--target-directory'),
    )
    const dir = t >= 0 ? inv.args[t + 1] : undefined
    const eq = inv.args.find((a) => a.kind === 'literal' && a.value.startsWith('--target-directory='))
    return [dir, eq && { ...eq, shape: eq.shape.slice('--target-directory='.length) }, ops.at(-1)].filter(
      (w): w is Word => w !== undefined,
    )
  }
  return []
}

const WRITES = /^(\d*|&)(>|>>|>\||<>)$/

function redirectTraits(r: Redirect, traits: Set<string>): void {
  if (r.op === '&>' || r.op === '&>>' || WRITES.test(r.op)) pathTraits(r.target.shape, traits, false)
  traits.add(r.heredoc || r.op.endsWith('<<<') ? 'here-document' : 'redirection')
}

/** What writing to `shape` touches; `directory`: a copy's destination, which may be a directory. */
function pathTraits(shape: string, traits: Set<string>, directory: boolean): void {
  const path = shape.startsWith('/') ? posix.normalize(shape) : shape
  const name = posix.basename(path)
  if (couldBe(name, 'authorized_keys') || couldBe(name, 'authorized_keys2') || (directory && name === '.ssh'))
    traits.add('authorized-keys-edit')
  if (
    couldBe(path, '/etc/sudoers') ||
    path.startsWith('/etc/sudoers.d/') ||
    (directory && path.replace(/\/$/, '') === '/etc/sudoers.d')
  )
    traits.add('sudoers-edit')
  if (path === 'sudoers' || path.startsWith('sudoers.d/')) traits.add('sudoers-edit')
  if (rawDevice(path, false)) traits.add('raw-device-write')
  if (path === '/proc/sysrq-trigger') traits.add('host-shutdown')
}

/** Whether a written name (a glob too: `authorized_key*`) could name `target`. */
const couldBe = (written: string, target: string): boolean =>
  written === target || wordCovers(written.replace(/[*?]|\[[^\]]*\]/g, WILDCARD), target)

// The paths one program writes, as written, with what each write reaches (protected-paths.ts): the files an
// editor, tee, truncate, rm, `sed -i` or `perl -i` is given; a copy's or link's destination, what it puts
// there and what a link points at; `dd of=`; openssl's output options; git's work tree and clone directory;
// aria2c's `-d`/`-o`; sed's `w` commands; the file patch is given; and what the program's options name, or
// the working directory they default to (write-options.ts). Relative paths are resolved by the caller.
import { posix } from 'node:path'
import { WILDCARD } from '../../../kinds/ssh-command-pattern.ts'
import type { Invocation } from './programs.ts'
import type { Reach } from './protected-paths.ts'
import type { Word } from './words.ts'
import { operands, optionTargets, optionWords, patchOperands } from './write-options.ts'

interface Write {
  shape: string
  reach: Reach
}

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
  'tee',
])
// Programs whose destination may be a directory the sources go into (`mv x /etc/sudoers.d` is
// /etc/sudoers.d/x): a directory operand that names a protected directory is an edit of it.
const COPIERS = new Set(['cp', 'install', 'ln', 'rsync', 'scp', 'mv'])
/** The coreutils among them, whose `-t` is `--target-directory` (rsync's is --times). */
const TARGET_DIRECTORY_OPTION = new Set(['cp', 'install', 'ln', 'mv'])
/** Those whose -r/-R/-a copy a directory's whole tree (ln's -r is --relative). */
const RECURSIVE_COPIERS = new Set(['cp', 'rsync', 'scp'])
const MAX_LANDINGS = 1024

export function programWrites(inv: Invocation): Write[] {
  const out: Write[] = optionTargets(inv)
  const add = (words: readonly Word[], reach: Reach) => {
    for (const w of words) out.push({ shape: w.shape, reach })
  }
  const flags = inv.args.filter((a) => a.kind === 'literal' && a.value.startsWith('-')).map((a) => a.shape)
  if (EDITORS.has(inv.name)) add(operands(inv.args), 'file')
  if (inv.name === 'sed' && flags.some((f) => f.startsWith('--in-place') || /^-[a-zA-Z]*i/.test(f)))
    add(operands(inv.args), 'file')
  if (inv.name === 'perl' && flags.some((f) => /^-[a-zA-Z]*i/.test(f))) add(operands(inv.args), 'file')
  if (COPIERS.has(inv.name)) for (const w of copyWrites(inv, flags)) out.push(w)
  if (inv.name === 'dd')
    for (const a of inv.args)
      if (a.shape.startsWith('of=')) out.push({ shape: a.shape.slice(3), reach: 'file' })
  if (inv.name === 'openssl') out.push(...opensslWrites(inv))
  if (inv.name === 'git') out.push(...gitWrites(inv))
  if (inv.name === 'aria2c') out.push(...aria2Writes(inv))
  if (inv.name === 'sed') out.push(...sedWriteCommands(inv))
  if (inv.name === 'patch') add(patchOperands(inv).slice(0, 1), 'file')
  return out
}

/** A copy's, move's or link's destinations; each source where it lands (`mv /tmp/staged/sudoers.d /etc` is
 * /etc/sudoers.d, `cp /tmp/sudoers /etc` /etc/sudoers); with -r, everything under it (`cp -r /tmp/etc /`),
 * and a directory's contents copied into the destination itself (`rsync -a dir/ ~`, `cp -a dir/. ~`,
 * `cp -rT dir ~`) reach anything under the destination; what a link points at may be written through it. */
function copyWrites(inv: Invocation, flags: readonly string[]): Write[] {
  const out: Write[] = []
  const ops = operands(inv.args)
  const named = targetDirectories(inv)
  const destinations = named.length > 0 ? named : ops.slice(-1)
  const sources = named.length > 0 ? ops : ops.slice(0, -1)
  for (const d of inv.name === 'mv' ? [...ops, ...named] : destinations)
    out.push({ shape: d.shape, reach: 'dest' })
  // Names found when it runs (`find … -exec cp -r {} ~ ;`, `… | xargs mv -t ~`) may be a .ssh or sudoers.d:
  // anything may land in each destination; one xargs appends, or one a placeholder stands for, is unknown.
  const found = (w: Word) => inv.placeholder !== undefined && w.shape.includes(inv.placeholder)
  if (inv.appended || sources.some(found))
    for (const d of destinations) out.push({ shape: found(d) ? WILDCARD : d.shape, reach: 'tree' })
  if ((inv.appended && named.length === 0) || destinations.some(found))
    out.push({ shape: WILDCARD, reach: 'tree' })
  // Every source lands in every destination: past this many pairs (`cp -t a -t b … x y …`), anywhere.
  if (destinations.length * sources.length > MAX_LANDINGS) return [...out, { shape: WILDCARD, reach: 'tree' }]
  const recursive =
    RECURSIVE_COPIERS.has(inv.name) &&
    flags.some((f) => f === '--recursive' || f === '--archive' || /^-[a-zA-Z]*[rRa]/.test(f))
  const contents = flags.some((f) => f === '--no-target-directory' || /^-[a-zA-Z]*T/.test(f))
  for (const d of destinations)
    for (const s of sources) {
      const landed = posix.join(d.shape, posix.basename(s.shape.replace(/\/+$/, '')))
      out.push({ shape: landed, reach: 'moved' })
      if (!recursive) continue
      const whole = contents || s.shape.endsWith('/.') || (inv.name === 'rsync' && s.shape.endsWith('/'))
      out.push({ shape: whole ? d.shape : landed, reach: 'tree' })
    }
  if (inv.name === 'ln') for (const s of sources) out.push({ shape: s.shape, reach: 'into' })
  return out
}

/** The `-t DIR` of cp, mv, install, ln: also `-tDIR`, `-ft DIR` (a cluster; whatever follows `t` in it is
 * read as the directory, the next word too, erring wide), `--target-directory[=]DIR` and its abbreviations
 * (`--t=DIR`: GNU getopt accepts any unambiguous prefix). */
function targetDirectories(inv: Invocation): Word[] {
  const out: Word[] = []
  if (!TARGET_DIRECTORY_OPTION.has(inv.name)) return out
  inv.args.forEach((a, i) => {
    if (a.kind !== 'literal') return
    const v = a.value
    const long = /^--(t[a-z-]*)(=(.*))?$/s.exec(v)
    if (long && 'target-directory'.startsWith(long[1]!)) {
      if (long[2] !== undefined) out.push({ ...a, shape: long[3]! })
      else if (inv.args[i + 1]) out.push(inv.args[i + 1]!)
      return
    }
    const short = /^-[a-zA-Z]*t(.*)$/s.exec(v)
    if (!short || v.startsWith('--')) return
    if (short[1]) out.push({ ...a, shape: short[1] })
    if (inv.args[i + 1]) out.push(inv.args[i + 1]!)
  })
  return out
}

// openssl's options naming a file it writes (one dash or two: `-out`, `--out`).
const OPENSSL_OUTPUTS = new Set(['out', 'keyout', 'certout', 'reqout', 'respout', 'sess_out', 'writerand'])

function opensslWrites(inv: Invocation): Write[] {
  const out: Write[] = []
  inv.args.forEach((a, i) => {
    const m = /^--?([a-z_]+)$/.exec(a.shape)
    const next = inv.args[i + 1]
    if (m && OPENSSL_OUTPUTS.has(m[1]!) && next) out.push({ shape: next.shape, reach: 'file' })
  })
  return out
}

// git's options before the subcommand that take the next word as their value.
const GIT_VALUED = new Set([
  '-C',
  '-c',
  '--git-dir',
  '--work-tree',
  '--namespace',
  '--exec-path',
  '--config-env',
  '--super-prefix',
  '--list-cmds',
])
// Subcommands that leave the work tree's files as they are (they may write .git). Any other, an alias
// included, may check files out: everything under the work tree.
const GIT_KEEPS_FILES = new Set([
  'status',
  'log',
  'show',
  'diff',
  'fetch',
  'branch',
  'tag',
  'remote',
  'blame',
  'annotate',
  'grep',
  'ls-files',
  'ls-tree',
  'ls-remote',
  'rev-parse',
  'rev-list',
  'describe',
  'shortlog',
  'reflog',
  'version',
  'help',
  'cat-file',
  'config',
  'show-ref',
  'for-each-ref',
  'count-objects',
  'fsck',
  'gc',
  'whatchanged',
  'name-rev',
  'cherry',
  'var',
  'check-ignore',
  'check-attr',
  'verify-commit',
  'verify-tag',
  'show-branch',
  'range-diff',
  'diff-tree',
  'diff-files',
  'diff-index',
  'merge-base',
  'init',
  'add',
  'commit',
  'push',
  'format-patch',
  'archive',
  'bundle',
  'notes',
  'hash-object',
])
// `git clone`'s options that take the next word as their value.
const GIT_CLONE_VALUED = new Set([
  '-b',
  '--branch',
  '-o',
  '--origin',
  '-c',
  '--config',
  '--depth',
  '--reference',
  '--reference-if-able',
  '-u',
  '--upload-pack',
  '--template',
  '--separate-git-dir',
  '-j',
  '--jobs',
  '--filter',
  '--shallow-since',
  '--shallow-exclude',
  '--server-option',
  '--bundle-uri',
])

/** The work tree a git subcommand may check files out into (`-C DIR`, `--work-tree DIR`, else here), the
 * directory `git clone` makes (its operand, else the repository's name), and `-o`/`--output` files. */
function gitWrites(inv: Invocation): Write[] {
  let base = '.'
  let workTree: string | undefined
  let i = 0
  for (; i < inv.args.length && inv.args[i]!.shape.startsWith('-'); i++) {
    const v = inv.args[i]!.shape
    const eq = v.startsWith('--') ? v.indexOf('=') : -1
    const name = eq > 0 ? v.slice(0, eq) : v
    if (!GIT_VALUED.has(name)) continue
    const value = eq > 0 ? v.slice(eq + 1) : inv.args[++i]?.shape
    if (value === undefined) break
    if (name === '-C') base = joinPath(base, value)
    if (name === '--work-tree') workTree = value
    // A work tree set in the configuration: given here, or read from a repository named elsewhere.
    if ((name === '-c' || name === '--config-env') && /^core\.worktree=/i.test(value))
      workTree = name === '-c' ? value.slice('core.worktree='.length) : WILDCARD
    if (name === '--git-dir') workTree ??= WILDCARD
  }
  const sub = inv.args[i]?.shape
  if (sub === undefined) return []
  const rest = inv.args.slice(i + 1)
  // `git config core.worktree DIR`: a later checkout in this repository writes there.
  if (sub === 'config' && rest.some((a) => /worktree/i.test(a.shape)))
    return [{ shape: WILDCARD, reach: 'tree' }]
  if (sub === 'clone') {
    const ops = cloneOperands(rest)
    const directory = ops[1]?.shape ?? repositoryName(ops[0]?.shape ?? '')
    return [{ shape: joinPath(base, directory), reach: 'tree' }]
  }
  const out: Write[] = optionWords({ name: 'git', args: rest }, 'o', ['output', 'output-directory']).map(
    (w) => ({
      shape: joinPath(base, w.shape),
      reach: 'into' as const,
    }),
  )
  if (!GIT_KEEPS_FILES.has(sub))
    out.push({ shape: workTree === undefined ? base : joinPath(base, workTree), reach: 'tree' })
  return out
}

function cloneOperands(args: readonly Word[]): Word[] {
  const out: Word[] = []
  for (let i = 0; i < args.length; i++) {
    const v = args[i]!.shape
    if (v === '--') return [...out, ...args.slice(i + 1)]
    if (GIT_CLONE_VALUED.has(v)) i++
    else if (!v.startsWith('-')) out.push(args[i]!)
  }
  return out
}

/** The directory `git clone URL` makes: the URL's last part without `.git` (`host:team/k.git` is k). */
function repositoryName(url: string): string {
  const path = url.replace(/\/+$/, '').replace(/\/\.git$/, '')
  const name = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf(':')) + 1).replace(/\.git$/, '')
  return name === '' ? '.' : name
}

/** `dir` relative to `base` unless it is absolute or under a home. */
const joinPath = (base: string, dir: string): string =>
  base === '.' || /^(\/|~|\$HOME\b|\$\{HOME\})/.test(dir) ? dir : `${base}/${dir}`

/** aria2c writes `-o NAME` under `-d DIR` (the name is always relative to it) or here; without -o, the
 * URL's name into it; a torrent or metalink, a tree of files under it. */
function aria2Writes(inv: Invocation): Write[] {
  const named = optionWords(inv, 'd', ['dir']).map((w) => w.shape)
  const directories = named.length > 0 ? named : ['.']
  const names = optionWords(inv, 'o', ['out'])
  const many =
    inv.args.some((a) => /\.(torrent|metalink|meta4)$|^magnet:/.test(a.shape)) ||
    optionWords(inv, 'T', ['torrent-file']).length > 0 ||
    optionWords(inv, 'M', ['metalink-file']).length > 0
  return directories.flatMap((d) => [
    ...names.map((n) => ({ shape: `${d}/${n.shape}`, reach: 'file' as const })),
    ...(names.length === 0 ? [{ shape: d, reach: 'into' as const }] : []),
    ...(many ? [{ shape: d, reach: 'tree' as const }] : []),
  ])
}

/** Files sed's `w`/`W` commands (and the `w` flag of `s`) write: the rest of the line after them, in each
 * -e script, or in the first operand when no -e or -f gives the script (erring wide: any `w` after a
 * separator or flag). */
function sedWriteCommands(inv: Invocation): Write[] {
  const given = optionWords(inv, 'e', ['expression'])
  const fromFile = optionWords(inv, 'f', ['file']).length > 0
  const scripts = given.length > 0 || fromFile ? given : operands(inv.args).slice(0, 1)
  const out: Write[] = []
  for (const s of scripts)
    for (const m of s.shape.matchAll(/(?:^|[\s;}/0-9gpiImMe])[wW] ?([^\n]+)/g))
      out.push({ shape: m[1]!.trim(), reach: 'file' })
  return out
}

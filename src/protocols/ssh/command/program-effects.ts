// What one program does to the host, as guardrail traits: recursive deletion of /, formatting, writes to
// block devices, shutdown, and writes onto authorized_keys or sudoers (by redirection, tee, sed -i, cp/mv,
// editors, and where an option says: archive tools, patch, downloaders). Paths are read as written
// (`~/.ssh/authorized_keys`, a glob `authorized_key*` too), `..` resolved.
import { posix } from 'node:path'
import { WILDCARD, wordCovers } from '../../../kinds/ssh-command-pattern.ts'
import type { Redirect } from './commands.ts'
import type { Invocation } from './programs.ts'
import type { Word } from './words.ts'

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
// Programs whose destination may be a directory the sources go into (`mv x /etc/sudoers.d` is
// /etc/sudoers.d/x): a directory operand that names a protected directory is an edit of it.
const COPIERS = new Set(['cp', 'install', 'ln', 'rsync', 'scp', 'mv'])
/** The coreutils among them, whose `-t` is `--target-directory` (rsync's is --times). */
const TARGET_DIRECTORY_OPTION = new Set(['cp', 'install', 'ln', 'mv'])

export function invocationTraits(inv: Invocation, traits: Set<string>): void {
  const values = literalArgs(inv)
  if (inv.name === 'rm' && removesRoot(inv)) traits.add('recursive-delete-root')
  if (inv.name === 'find' && inv.args[0] && dangerousRoot(inv.args[0]) && findDeletes(values))
    traits.add('recursive-delete-root')
  if (FORMAT.test(inv.name)) traits.add('filesystem-format')
  if (SHUTDOWN.has(inv.name)) traits.add('host-shutdown')
  if ((inv.name === 'init' || inv.name === 'telinit') && values.some((v) => v === '0' || v === '6'))
    traits.add('host-shutdown')
  // Killing init (pid 1) takes the host down; `kill -9 -1` ends every process the login may signal.
  if (inv.name === 'kill' && (values.includes('1') || values.slice(1).includes('-1')))
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
  for (const path of movedInto(inv)) {
    const found = new Set<string>()
    pathTraits(path, found, true)
    // A file named authorized_keys copied into any directory is not a key edit (a backup); a `.ssh` is one.
    if (found.has('sudoers-edit')) traits.add('sudoers-edit')
    if (posix.basename(path) === '.ssh') traits.add('authorized-keys-edit')
  }
  // Where the command line does not say what is written (absolute member names, options read from a file or
  // given as wgetrc commands), it may be any file: a sudoers and authorized_keys edit (erring wide).
  if (writesAnywhere(inv)) traits.add('sudoers-edit').add('authorized-keys-edit')
  for (const { word, directory } of optionTargets(inv)) {
    pathTraits(word.shape, traits, directory)
    if (
      directory &&
      word.shape.startsWith('/') &&
      SUDOERS_ANCESTORS.has(trimSlash(posix.normalize(word.shape)))
    )
      traits.add('sudoers-edit')
  }
}

// Programs that write where an option (not an operand) says. Archive tools and patch write files under a
// directory an option names, whose names are not on the command line: that directory is a destination like a
// copy's, and one holding /etc/sudoers.d (`tar -C /etc -xf x.tar` with a member sudoers.d/x) is one too;
// downloaders write the file or into the directory an option names. Per program, each option: its letter
// (`-C DIR`, `-CDIR`, in a cluster `-xC DIR`), its long names (`--directory[=]DIR`, any prefix: getopt and
// argp take unambiguous ones), whether its value is a file or a directory, whether the first word may be a
// dash-less cluster (tar's old style, `tar xfC a.tar DIR`, whose values follow in order), when the invocation
// reads it instead (tar creating an archive from -C, extracting from -f), and when the operands are written
// into (`cpio -p DIR`, `dpkg-deb -x p.deb DIR`).
interface WriteOption {
  letter?: string
  long: readonly string[]
  file?: boolean
  oldStyle?: boolean
  reads?: (options: readonly string[]) => boolean
  operandsWhen?: (options: readonly string[]) => boolean
}
const TAR: readonly WriteOption[] = [
  { letter: 'C', long: ['directory', 'one-top-level'], oldStyle: true, reads: tarReadsDirectory },
  { letter: 'f', long: ['file'], file: true, oldStyle: true, reads: (o) => !tarWritesArchive(o) },
]
const SEVEN_ZIP: readonly WriteOption[] = [{ letter: 'o', long: [] }]
const WRITE_OPTIONS: Readonly<Record<string, readonly WriteOption[]>> = {
  tar: TAR,
  gtar: TAR,
  bsdtar: TAR,
  unzip: [{ letter: 'd', long: [] }],
  cpio: [
    {
      letter: 'D',
      long: ['directory'],
      operandsWhen: (options) =>
        options.some((o) => longName(o, 'pass-through') || (/^-[a-zA-Z]+$/.test(o) && o.includes('p'))),
    },
  ],
  'dpkg-deb': [
    {
      long: [],
      operandsWhen: (options) =>
        options.some(
          (o) =>
            /^-[xXR]$/.test(o) ||
            ['extract', 'vextract', 'raw-extract'].some((n) => longName(o, n) && o.length > 3),
        ),
    },
  ],
  '7z': SEVEN_ZIP,
  '7za': SEVEN_ZIP,
  '7zr': SEVEN_ZIP,
  patch: [
    { letter: 'd', long: ['directory'] },
    { letter: 'o', long: ['output'], file: true },
  ],
  curl: [
    { letter: 'o', long: ['output'], file: true },
    { long: ['output-dir'] },
    // Files curl writes besides the body: headers, cookies, traces, its stderr, caches.
    { letter: 'D', long: ['dump-header'], file: true },
    { letter: 'c', long: ['cookie-jar'], file: true },
    { long: ['trace', 'trace-ascii', 'stderr', 'libcurl', 'etag-save', 'hsts', 'alt-svc'], file: true },
  ],
  wget: [
    { letter: 'O', long: ['output-document'], file: true },
    { letter: 'o', long: ['output-file'], file: true },
    { letter: 'a', long: ['append-output'], file: true },
    { letter: 'P', long: ['directory-prefix'] },
    { long: ['save-cookies', 'warc-file'], file: true },
  ],
  sort: [{ letter: 'o', long: ['output'], file: true }],
}
const SUDOERS_ANCESTORS = new Set(['/', '/etc'])

/** Whether the invocation may write files its words do not name: tar extracting with -P/--absolute-names
 * (members named /etc/sudoers.d/x are written there, whatever -C says), cpio extracting without
 * --no-absolute-filenames (it keeps absolute names by default), curl -K/--config (a config file may say
 * `output = /etc/sudoers.d/x`) and wget -e/--execute (`-e output_document=/etc/sudoers.d/x`). */
function writesAnywhere(inv: Invocation): boolean {
  const options = literalArgs(inv).filter((v) => v.startsWith('-') && v !== '-')
  const short = (letters: RegExp) => options.some((o) => !o.startsWith('--') && letters.test(o.slice(1)))
  switch (inv.name) {
    case 'tar':
    case 'gtar':
    case 'bsdtar': {
      const first = inv.args[0]
      const cluster = first?.kind === 'literal' && /^[A-Za-z]+$/.test(first.value) ? [`-${first.value}`] : []
      const all = [...cluster, ...options]
      const absolute = all.some((o) =>
        o.startsWith('--') ? longName(o, 'absolute-names') && o.length > 4 : o.slice(1).includes('P'),
      )
      return absolute && !tarReadsDirectory(all)
    }
    case 'cpio':
      return (
        (short(/i/) || options.some((o) => longName(o, 'extract') && o.length > 3)) &&
        !options.some((o) => longName(o, 'no-absolute-filenames') && o.length > 5)
      )
    case 'curl':
      return short(/K/) || options.some((o) => longName(o, 'config') && o.length > 3)
    case 'wget':
      return short(/e/) || options.some((o) => longName(o, 'execute') && o.length > 3)
    default:
      return false
  }
}

/** What each option of the program's table writes, as written (erring wide: in a cluster, what follows the
 * letter and the next word; in tar's old style, every word its letters may take). */
function optionTargets(inv: Invocation): { word: Word; directory: boolean }[] {
  // Own keys only: a program named `toString` is not Object.prototype's.
  const specs = Object.hasOwn(WRITE_OPTIONS, inv.name) ? WRITE_OPTIONS[inv.name] : undefined
  if (!specs) return []
  const options = literalArgs(inv).filter((v) => v.startsWith('-'))
  const first = inv.args[0]
  const cluster = first?.kind === 'literal' && /^[A-Za-z]+$/.test(first.value) ? first.value : ''
  return specs.flatMap((spec) => {
    const oldStyle = spec.oldStyle ? cluster : ''
    if (spec.reads?.(oldStyle ? [`-${oldStyle}`, ...options] : options)) return []
    return written(inv, spec, oldStyle, options).map((word) => ({ word, directory: spec.file !== true }))
  })
}

function written(inv: Invocation, spec: WriteOption, oldStyle: string, options: readonly string[]): Word[] {
  const out: Word[] = []
  if (spec.letter && oldStyle.includes(spec.letter)) out.push(...inv.args.slice(1, 1 + oldStyle.length))
  inv.args.forEach((a, i) => {
    if (a.kind !== 'literal' || !a.value.startsWith('-') || a.value === '-') return
    const next = inv.args[i + 1]
    const long = /^--([^=]+)(=(.*))?$/s.exec(a.value)
    if (long) {
      if (!spec.long.some((name) => longName(a.value, name))) return
      if (long[2] !== undefined) out.push({ ...a, shape: long[3]! })
      else if (next) out.push(next)
      return
    }
    const at = spec.letter ? a.value.indexOf(spec.letter) : -1
    if (at < 0) return
    if (at + 1 < a.value.length) out.push({ ...a, shape: a.value.slice(at + 1) })
    if (next) out.push(next)
  })
  if (spec.operandsWhen?.(options)) out.push(...operands(inv.args))
  return out
}

/** `--name`, `--name=…` or an abbreviation of it (`--dir` for --directory). */
function longName(option: string, name: string): boolean {
  const m = /^--([^=]+)/.exec(option)
  return m !== null && name.startsWith(m[1]!)
}

/** tar creating, listing or comparing an archive reads its -C directory; anything else may extract into it
 * (a mode that is not stated is taken as an extraction). */
function tarReadsDirectory(options: readonly string[]): boolean {
  const extracts = options.some(
    (o) => longName(o, 'extract') || longName(o, 'get') || (!o.startsWith('--') && o.includes('x')),
  )
  const other = options.some(
    (o) =>
      ['create', 'list', 'diff', 'compare'].some((name) => longName(o, name) && o.length > 3) ||
      (!o.startsWith('--') && /^-[a-zA-Z]*[ctd]/.test(o)),
  )
  return other && !extracts
}

/** tar creating, appending to or updating an archive writes its -f file. */
function tarWritesArchive(options: readonly string[]): boolean {
  return options.some(
    (o) =>
      ['create', 'append', 'update', 'concatenate', 'catenate', 'delete'].some(
        (name) => longName(o, name) && o.length > 3,
      ) ||
      (!o.startsWith('--') && /^-[a-zA-Z]*[cruA]/.test(o)),
  )
}

const trimSlash = (p: string): string => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p)

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
  if (/^(~[a-z_][a-z0-9_-]*|~|\$HOME|\$\{HOME\}|"\$HOME"|"\$\{HOME\}")\/?\*?$/.test(shape)) return true
  if (!shape.startsWith('/')) return false
  const path = posix.normalize(shape).replace(/\/+$/, '')
  if (path === '' || path === '/*' || path === '/.*') return true
  const m = /^\/([^/]+)(\/\*)?$/.exec(path)
  // A top-level name known only when the command runs (`/$DIR`, `/{etc,usr}`, `/e*`) may be any of them.
  return m !== null && (TOP_LEVEL.has(m[1]!) || /[*?[{$`]/.test(m[1]!))
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
  if (EDITORS.has(inv.name)) return COPIERS.has(inv.name) ? [...ops, ...targetDirectories(inv)] : ops
  if (inv.name === 'sed' && flags.some((f) => f.startsWith('--in-place') || /^-[a-zA-Z]*i/.test(f)))
    return ops
  if (inv.name === 'perl' && flags.some((f) => /^-[a-zA-Z]*i/.test(f))) return ops
  if (COPIERS.has(inv.name)) {
    const last = ops.at(-1)
    return last ? [...targetDirectories(inv), last] : targetDirectories(inv)
  }
  return []
}

/** Where a copy or move puts each source when its destination is a directory: the destination joined with
 * the source's name (`mv /tmp/staged/sudoers.d /etc` is /etc/sudoers.d, `cp /tmp/sudoers /etc` /etc/sudoers). */
function movedInto(inv: Invocation): string[] {
  if (!COPIERS.has(inv.name)) return []
  const ops = operands(inv.args)
  const named = targetDirectories(inv)
  const directories = named.length > 0 ? named : ops.slice(-1)
  const sources = named.length > 0 ? ops : ops.slice(0, -1)
  return directories.flatMap((d) =>
    sources.map((s) => posix.join(d.shape, posix.basename(s.shape.replace(/\/+$/, '')))),
  )
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

const WRITES = /^(\d*|&)(>|>>|>\||<>)$/

export function redirectTraits(r: Redirect, traits: Set<string>): void {
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

// Programs that write where an option (not an operand) says, or into the working directory when no option
// says. Archive tools and patch write files under a directory whose members' names are not on the command
// line: anything under it (`tar -C /etc -xf x.tar` with a member sudoers.d/x; `tar -xf x.tar` in a home with
// a member .ssh/authorized_keys); downloaders write the file, or one file into the directory, an option
// names (the working directory when none does: `curl -O`, `wget URL`). Per program, each option: its letter
// (`-C DIR`, `-CDIR`, in a cluster `-xC DIR`), its long names (`--directory[=]DIR`, any prefix: getopt and
// argp take unambiguous ones), what a write there reaches, whether the first word may be a dash-less cluster
// (tar's old style, `tar xfC a.tar DIR`, whose values follow in order), when the invocation reads it instead
// (tar creating an archive from -C, extracting from -f), when the operands are written into (`cpio -p DIR`,
// `dpkg-deb -x p.deb DIR`), and when the working directory is written if no word names the option's value.

import type { Invocation } from './programs.ts'
import type { Reach } from './protected-paths.ts'
import type { Word } from './words.ts'

type Options = readonly string[]

interface WriteOption {
  letter?: string
  long: readonly string[]
  reach: Reach | ((options: Options) => Reach)
  oldStyle?: boolean
  reads?: (options: Options) => boolean
  operandsWhen?: (options: Options) => boolean
  here?: (options: Options, inv: Invocation) => boolean
}

const TAR: readonly WriteOption[] = [
  {
    letter: 'C',
    long: ['directory', 'one-top-level'],
    reach: 'tree',
    oldStyle: true,
    reads: tarReadsDirectory,
    // -O/--to-stdout extracts onto standard output, not into files.
    here: (o) =>
      !tarWritesArchive(o) &&
      !o.some(
        (x) => (!x.startsWith('--') && /^-[a-zA-Z]*O/.test(x)) || (longName(x, 'to-stdout') && x.length > 4),
      ),
  },
  { letter: 'f', long: ['file'], reach: 'file', oldStyle: true, reads: (o) => !tarWritesArchive(o) },
]
const SEVEN_ZIP: readonly WriteOption[] = [
  // `7z x a.7z` and `7z e a.7z` extract into the working directory without -o.
  { letter: 'o', long: [], reach: 'tree', here: (_, inv) => /^[xe]$/.test(inv.args[0]?.shape ?? '') },
]
const WRITE_OPTIONS: Readonly<Record<string, readonly WriteOption[]>> = {
  tar: TAR,
  gtar: TAR,
  bsdtar: TAR,
  // -l, -t, -v, -z, -p, -c, -Z list, test or print the archive.
  unzip: [
    { letter: 'd', long: [], reach: 'tree', here: (o) => !o.some((x) => /^-[a-zA-Z]*[ltvzpcZ]/.test(x)) },
  ],
  cpio: [
    {
      letter: 'D',
      long: ['directory'],
      reach: 'tree',
      operandsWhen: cpioPassesThrough,
      here: (o) => cpioExtracts(o) && !o.some((x) => longName(x, 'list') || /^-[a-zA-Z]*t/.test(x)),
    },
  ],
  'dpkg-deb': [
    {
      long: [],
      reach: 'tree',
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
    // Without a file operand (or -o) patch writes the files its diff names, under -d or the working directory.
    { letter: 'd', long: ['directory'], reach: 'tree', here: (_, inv) => patchOperands(inv).length === 0 },
    { letter: 'o', long: ['output'], reach: 'file' },
  ],
  curl: [
    { letter: 'o', long: ['output'], reach: 'file' },
    // -O/-J (and --remote-name-all) write the URL's (or the server's) file name into --output-dir or here.
    {
      long: ['output-dir'],
      reach: 'into',
      here: (o) =>
        o.some(
          (x) =>
            (!x.startsWith('--') && /^-[a-zA-Z]*[OJ]/.test(x)) ||
            (x.length > 3 && (longName(x, 'remote-name-all') || longName(x, 'remote-header-name'))),
        ),
    },
    // Files curl writes besides the body: headers, cookies, traces, its stderr, caches.
    { letter: 'D', long: ['dump-header'], reach: 'file' },
    { letter: 'c', long: ['cookie-jar'], reach: 'file' },
    { long: ['trace', 'trace-ascii', 'stderr', 'libcurl', 'etag-save', 'hsts', 'alt-svc'], reach: 'file' },
  ],
  wget: [
    { letter: 'O', long: ['output-document'], reach: 'file' },
    { letter: 'o', long: ['output-file'], reach: 'file' },
    { letter: 'a', long: ['append-output'], reach: 'file' },
    // Without -O, the URL's name into -P or here; recursive, page requisites or forced directories: a tree.
    {
      letter: 'P',
      long: ['directory-prefix'],
      reach: (o) => (wgetMakesDirectories(o) ? 'tree' : 'into'),
      here: (o) =>
        wgetMakesDirectories(o) ||
        !o.some((x) => /^-[a-zA-Z]*O/.test(x) || (longName(x, 'output-document') && x.length > 9)),
    },
    { long: ['save-cookies', 'warc-file'], reach: 'file' },
  ],
  aria2c: [{ letter: 'l', long: ['log', 'save-session', 'save-cookies', 'dht-file-path'], reach: 'file' }],
  sort: [{ letter: 'o', long: ['output'], reach: 'file' }],
}

/** What each option of the program's table writes, as written (erring wide: in a cluster, what follows the
 * letter and the next word; in tar's old style, every word its letters may take); `.` for the working
 * directory where the option's `here` says so and no word names its value. */
export function optionTargets(inv: Invocation): { shape: string; reach: Reach }[] {
  // Own keys only: a program named `toString` is not Object.prototype's.
  const specs = Object.hasOwn(WRITE_OPTIONS, inv.name) ? WRITE_OPTIONS[inv.name] : undefined
  if (!specs) return []
  const options = literalArgs(inv).filter((v) => v.startsWith('-'))
  const first = inv.args[0]
  const cluster = first?.kind === 'literal' && /^[A-Za-z]+$/.test(first.value) ? first.value : ''
  return specs.flatMap((spec) => {
    const oldStyle = spec.oldStyle ? cluster : ''
    const all = oldStyle ? [`-${oldStyle}`, ...options] : options
    if (spec.reads?.(all)) return []
    const reach = typeof spec.reach === 'function' ? spec.reach(all) : spec.reach
    const words = written(inv, spec, oldStyle, options).map((w) => ({ shape: w.shape, reach }))
    return words.length === 0 && spec.here?.(all, inv) ? [{ shape: '.', reach }] : words
  })
}

/** The values of one option (`-d DIR`, `-dDIR`, `--dir[=]DIR`), as written. */
export const optionWords = (inv: Invocation, letter: string, long: readonly string[]): Word[] =>
  written(inv, { letter, long, reach: 'file' }, '', [])

function written(inv: Invocation, spec: WriteOption, oldStyle: string, options: Options): Word[] {
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

/** Whether the invocation may write files its words do not name: tar extracting with -P/--absolute-names
 * (members named /etc/sudoers.d/x are written there, whatever -C says), cpio extracting without
 * --no-absolute-filenames (it keeps absolute names by default), curl -K/--config (a config file may say
 * `output = /etc/sudoers.d/x`), wget -e/--execute or --config (`output_document=/etc/sudoers.d/x`), aria2c
 * -i/--input-file or --conf-path (per-download `dir=`/`out=` options). */
export function writesAnywhere(inv: Invocation): boolean {
  const options = literalArgs(inv).filter((v) => v.startsWith('-') && v !== '-')
  const short = (letters: RegExp) => options.some((o) => !o.startsWith('--') && letters.test(o.slice(1)))
  const long = (name: string) => options.some((o) => longName(o, name) && o.length > 3)
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
        cpioExtracts(options) && !options.some((o) => longName(o, 'no-absolute-filenames') && o.length > 5)
      )
    case 'curl':
      return short(/K/) || long('config')
    case 'wget':
      return short(/e/) || long('execute') || long('config')
    case 'aria2c':
      return short(/i/) || long('input-file') || long('conf-path')
    default:
      return false
  }
}

/** `--name`, `--name=…` or an abbreviation of it (`--dir` for --directory). */
function longName(option: string, name: string): boolean {
  const m = /^--([^=]+)/.exec(option)
  return m !== null && name.startsWith(m[1]!)
}

function literalArgs(inv: Invocation): string[] {
  return inv.args.filter((a) => a.kind === 'literal').map((a) => (a as { value: string }).value)
}

/** Operands: the words after the options (all words after `--`). */
export function operands(args: readonly Word[]): Word[] {
  const out: Word[] = []
  let options = true
  for (const a of args) {
    const v = a.kind === 'literal' ? a.value : a.shape
    if (options && v === '--') options = false
    else if (!options || !v.startsWith('-') || v === '-') out.push(a)
  }
  return out
}

// GNU patch's options that take a value as the next word.
const PATCH_VALUED = new Set(['-B', '-d', '-D', '-F', '-g', '-i', '-o', '-p', '-r', '-V', '-Y', '-z'])

/** patch's operands (the file to patch, then the patch file), skipping the values of its options. */
export function patchOperands(inv: Invocation): Word[] {
  const out: Word[] = []
  for (let i = 0; i < inv.args.length; i++) {
    const v = inv.args[i]!.shape
    if (v === '--') return [...out, ...inv.args.slice(i + 1)]
    if (PATCH_VALUED.has(v)) i++
    else if (!v.startsWith('-') || v === '-') out.push(inv.args[i]!)
  }
  return out
}

/** tar creating, listing or comparing an archive reads its -C directory; anything else may extract into it
 * (a mode that is not stated is taken as an extraction). */
function tarReadsDirectory(options: Options): boolean {
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
function tarWritesArchive(options: Options): boolean {
  return options.some(
    (o) =>
      ['create', 'append', 'update', 'concatenate', 'catenate', 'delete'].some(
        (name) => longName(o, name) && o.length > 3,
      ) ||
      (!o.startsWith('--') && /^-[a-zA-Z]*[cruA]/.test(o)),
  )
}

function cpioExtracts(options: Options): boolean {
  return options.some(
    (o) => (!o.startsWith('--') && /^-[a-zA-Z]*i/.test(o)) || (longName(o, 'extract') && o.length > 3),
  )
}

function cpioPassesThrough(options: Options): boolean {
  return options.some((o) => longName(o, 'pass-through') || (/^-[a-zA-Z]+$/.test(o) && o.includes('p')))
}

function wgetMakesDirectories(options: Options): boolean {
  return options.some(
    (o) =>
      (!o.startsWith('--') && /^-[a-zA-Z]*[rmpx]/.test(o)) ||
      ['recursive', 'mirror', 'page-requisites', 'force-directories'].some(
        (n) => longName(o, n) && o.length > 3,
      ),
  )
}

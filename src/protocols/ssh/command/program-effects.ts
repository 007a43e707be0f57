// What one program does to the host, as guardrail traits: recursive deletion of /, formatting, writes to
// block devices, shutdown, and writes onto the files and directories the guardrails protect
// (protected-paths.ts) wherever the program writes (program-writes.ts), relative paths resolved from each
// directory the program may run in (working-directory.ts). Paths are read as written
// (`~/.ssh/authorized_keys`, a glob `authorized_key*` too), `..` resolved.
import { posix } from 'node:path'
import type { Redirect } from './commands.ts'
import { programWrites } from './program-writes.ts'
import type { Invocation } from './programs.ts'
import { type Reach, rawDevice, writeTraits } from './protected-paths.ts'
import type { Word } from './words.ts'
import { resolvePath } from './working-directory.ts'
import { operands, writesAnywhere } from './write-options.ts'

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

/** The traits of one invocation run from any of `directories` (working-directory.ts). */
export function invocationTraits(inv: Invocation, traits: Set<string>, directories: readonly string[]): void {
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
  for (const w of programWrites(inv)) writeFrom(directories, w.shape, w.reach, traits)
  // Where the command line does not say what is written (absolute member names, options read from a file or
  // given as wgetrc commands), it may be any file: a sudoers and authorized_keys edit (erring wide).
  if (writesAnywhere(inv)) traits.add('sudoers-edit').add('authorized-keys-edit')
}

function writeFrom(directories: readonly string[], shape: string, reach: Reach, traits: Set<string>): void {
  for (const path of resolvePath(shape, directories)) writeTraits(path, reach, traits)
}

const WRITES = /^(\d*|&)(>|>>|>\||<>)$/

export function redirectTraits(r: Redirect, traits: Set<string>, directories: readonly string[]): void {
  if (r.op === '&>' || r.op === '&>>' || WRITES.test(r.op))
    writeFrom(directories, r.target.shape, 'file', traits)
  traits.add(r.heredoc || r.op.endsWith('<<<') ? 'here-document' : 'redirection')
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

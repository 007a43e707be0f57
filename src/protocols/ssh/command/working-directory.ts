// Where a relative path lands: the directory each command of the line may run in. An exec command starts in
// the login's home (`~`); `cd DIR` and `pushd DIR` move the commands after them. The set of directories is
// kept in order along one sequence (`cd /etc/sudoers.d && tee x` writes /etc/sudoers.d/x); after `;`, `||`,
// `|` or `&` the next command may run wherever any earlier one did (`cd DIR; x` runs x in the home when the
// cd fails). A directory known only when the command runs (`cd "$D"`, `cd -`, `popd`, a dynamic program,
// `eval`, `source`) is WILDCARD: a relative write from there may be onto any file. bash's CDPATH is followed
// only where the line sets it (a non-interactive shell started by sshd has none unless its startup files
// set one): then `cd NAME` may be anywhere.
import { posix } from 'node:path'
import { WILDCARD } from '../../../kinds/ssh-command-pattern.ts'
import type { Invocation } from './programs.ts'

const HOME = '~'
/** A directory known only when the command runs. */
export const SOMEWHERE = WILDCARD

/** The directories commands may run in while one command line is read. */
export interface Places {
  /** Where the next command of the sequence being read may run. */
  current: string[]
  /** Everywhere a command of the line may have run so far. */
  seen: Set<string>
  /** A directory change inside a loop, group, function or condition: its effect on the commands before and
   * after it is not followed, so the line is read again with `anywhere`. */
  unplaced: boolean
  /** The second reading: every relative path may be in any directory. */
  anywhere: boolean
  /** The line names CDPATH, with which `cd NAME` may go to a NAME under any directory it lists. */
  cdpath: boolean
}

export function startPlaces(anywhere: boolean, cdpath: boolean): Places {
  const start = anywhere ? [HOME, SOMEWHERE] : [HOME]
  return { current: start, seen: new Set(start), unplaced: false, anywhere, cdpath }
}

/** Where `shape` (a path as written) may be from each of `directories`: absolute and normalised, under a
 * home (`~/…`, `~bob/…`, `$HOME/…`), or under SOMEWHERE (a path that climbs out of a home with `..` too). */
export function resolvePath(shape: string, directories: readonly string[]): string[] {
  if (shape.startsWith('/')) return [trimSlash(posix.normalize(shape))]
  const home = /^(~[^/]*|\$HOME|\$\{HOME\})(\/.*)?$/s.exec(shape)
  if (home) return [under(home[1]!.startsWith('~') ? home[1]! : HOME, (home[2] ?? '').slice(1))]
  return [...new Set(directories.map((d) => under(d, shape)))]
}

function under(base: string, relative: string): string {
  if (base.startsWith('/')) return trimSlash(posix.normalize(`${base}/${relative}`))
  const trimmed = relative.replace(/^\/+/, '')
  let rest = posix.normalize(trimmed === '' ? '.' : trimmed)
  if (rest !== '..' && !rest.startsWith('../')) return rest === '.' ? base : trimSlash(`${base}/${rest}`)
  // Above a home (whose location is not known) or above SOMEWHERE: somewhere else.
  while (rest === '..' || rest.startsWith('../')) rest = rest.slice(3)
  return rest === '' ? SOMEWHERE : trimSlash(`${SOMEWHERE}/${rest}`)
}

const trimSlash = (p: string): string => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p)

/** Where a `cd`, `pushd` or `popd` leaves the shell, from where it runs; undefined for other programs. */
export function directoryChange(inv: Invocation, places: Places): string[] | undefined {
  if (inv.name === 'popd') return [SOMEWHERE]
  if (inv.name !== 'cd' && inv.name !== 'pushd') return undefined
  let i = 0
  while (i < inv.args.length && /^-[LPe@]+$/.test(inv.args[i]!.shape)) i++
  if (inv.args[i]?.shape === '--') i++
  const target = inv.args[i]
  if (!target) return inv.name === 'cd' ? [HOME] : [SOMEWHERE]
  const shape = target.shape
  // `cd -` (the previous directory), `pushd +1`, and an expansion other than a leading $HOME.
  if (/^[-+]/.test(shape) || /[$`]/.test(shape.replace(/^(\$HOME|\$\{HOME\})(?=\/|$)/, '')))
    return [SOMEWHERE]
  const resolved = resolvePath(shape, places.current)
  return places.cdpath && !/^(\.|~|\$HOME\b|\$\{HOME\})/.test(shape) ? [...resolved, SOMEWHERE] : resolved
}

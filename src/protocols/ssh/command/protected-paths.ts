// Which writes the guardrails protect against: onto authorized_keys (in any directory) or into a `.ssh`,
// onto /etc/sudoers or into /etc/sudoers.d, onto the configuration files curl, wget and aria2c read unasked
// (a config may send a later download anywhere), onto block devices and /proc/sysrq-trigger. Paths arrive
// resolved against the working directory (working-directory.ts): absolute, under a home (`~`, `~bob`), or
// under a directory known only when the command runs (WILDCARD); a glob in them is a wildcard too.
import { posix } from 'node:path'
import { WILDCARD, wordCovers } from '../../../kinds/ssh-command-pattern.ts'

/** What a write reaches, from a resolved path:
 * - `file`: that file;
 * - `dest`: that path, or files named elsewhere put into it when it is a directory (a copy's destination);
 * - `into`: that path or one file of any name directly in it (a download's directory);
 * - `tree`: anything under it (an archive extracted, a patch applied, a work tree checked out);
 * - `moved`: a file or directory keeping its name, copied or moved into a directory (the path is the
 *   result): a file named authorized_keys moved elsewhere than a `.ssh` is a backup, not a key edit. */
export type Reach = 'file' | 'dest' | 'into' | 'tree' | 'moved'

const DOWNLOADER_CONFIGS = new Set(['.curlrc', '_curlrc', 'curlrc', '.wgetrc', 'wgetrc', 'aria2.conf'])

export function writeTraits(resolved: string, reach: Reach, traits: Set<string>): void {
  const path = toPattern(resolved)
  const name = posix.basename(path)
  const parent = posix.dirname(path)
  const keys = () => traits.add('authorized-keys-edit')
  const sudoers = () => traits.add('sudoers-edit')
  const keysName = covers(name, 'authorized_keys') || covers(name, 'authorized_keys2')
  if (covers(path, '/etc/sudoers') || covers(parent, '/etc/sudoers.d') || path.startsWith('/etc/sudoers.d/'))
    sudoers()
  if (reach === 'moved') {
    if (covers(name, '.ssh') || (keysName && covers(posix.basename(parent), '.ssh'))) keys()
    if (covers(path, '/etc/sudoers.d')) sudoers()
    return
  }
  if (keysName) keys()
  // Exact names: `*` does not match a leading dot, and `cp dist/* /srv` is no config edit.
  if (DOWNLOADER_CONFIGS.has(resolved.slice(resolved.lastIndexOf('/') + 1))) {
    keys()
    sudoers()
  }
  if (reach !== 'tree' && rawDevice(path, false)) traits.add('raw-device-write')
  if (path === '/proc/sysrq-trigger') traits.add('host-shutdown')
  if (reach === 'file') return
  if (covers(name, '.ssh')) keys()
  if (covers(path, '/etc/sudoers.d')) sudoers()
  if (reach === 'dest') return
  // A file of any name: `sudoers` into /etc.
  if (covers(path, '/etc')) sudoers()
  if (reach === 'into') return
  // Anything under it: a home holds .ssh/authorized_keys, / and /etc hold sudoers.d; a directory known only
  // when the command runs (`tar -C "$D"`) may be any of them.
  const unknown = path.includes(WILDCARD) || path.includes('$') || path.includes('`')
  if (unknown || HOME_LIKE.test(path)) keys()
  if (unknown || path === '/' || path === '/etc') sudoers()
}

/** A home, or a directory holding homes: `~`, `~bob`, /root, /home, /home/bob, /. */
const HOME_LIKE = /^(~[^/]*|\/root|\/home|\/home\/[^/]+|\/)$/

/** A written path as a pattern: globs (`*`, `?`, `[…]`) are wildcards. */
const toPattern = (path: string): string => path.replace(/[*?]|\[[^\]]*\]/g, WILDCARD)

/** Whether a path pattern could name `target`. */
const covers = (pattern: string, target: string): boolean => pattern === target || wordCovers(pattern, target)

/** A device file (`anyDevice`) or a block device a write would corrupt; not /dev/null and the like. */
export function rawDevice(path: string, anyDevice: boolean): boolean {
  const p = posix.normalize(path)
  if (!p.startsWith('/dev/')) return false
  if (/^\/dev\/(null|zero|full|random|urandom|tty|stdout|stderr|stdin|fd\/\d+|pts\/\d+)$/.test(p))
    return false
  return (
    anyDevice ||
    /^\/dev\/(sd|hd|vd|xvd|nvme|mmcblk|md|dm-|loop|nbd|sr|mapper\/|disk\/|mem$|kmem$|port$)/.test(p)
  )
}

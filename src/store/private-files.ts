// The store's files hold recordings, audit and key hashes; the keys directory holds service-account keys.
// They are created readable by the gateway's user only (directories 0700, files 0600), and at start a
// looser mode found on any of them stops the gateway: another user of the machine could already have read
// them, and silently tightening would hide that. The error names each path and the chmod that fixes it.
import { closeSync, constants, mkdirSync, openSync, statSync } from 'node:fs'
import { TaskgateError } from '../core/errors.ts'

/** Modes any group or other bit of makes a path readable (or writable) by other users. */
const OTHERS = 0o077

/** Creates `dir` (and missing parents) as 0700 when absent. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
}

/** Creates `file` empty as 0600 when absent, so what opens it next (SQLite) inherits that mode; SQLite gives
 * its -wal and -shm files the database file's mode. */
export function makePrivateFile(file: string): void {
  closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600))
}

/** Throws TG_STORE_FILES_EXPOSED naming every existing path among `paths` whose mode lets other users in. */
export function refuseExposedFiles(paths: readonly string[]): void {
  if (process.platform === 'win32') return
  const exposed: string[] = []
  for (const path of paths) {
    let mode: number
    let isDir: boolean
    try {
      const stat = statSync(path)
      mode = stat.mode
      isDir = stat.isDirectory()
    } catch {
      continue
    }
    if ((mode & OTHERS) !== 0)
      exposed.push(
        `${path} is ${(mode & 0o777).toString(8)}: run chmod ${isDir ? '700' : '600'} ${quote(path)}`,
      )
  }
  if (exposed.length > 0) {
    throw new TaskgateError('TG_STORE_FILES_EXPOSED', {
      message: `Other users of this machine can read the gateway's files:\n  ${exposed.join('\n  ')}`,
    })
  }
}

const quote = (path: string) => (/^[\w./-]+$/.test(path) ? path : `'${path.replaceAll("'", "'\\''")}'`)

// The CLI's login, kept in $XDG_CONFIG_HOME/taskgate/credentials.json (default ~/.config/taskgate). The
// file holds bearer and refresh tokens, so it is created 0600 in a 0700 directory and replaced atomically
// (a crash mid-write leaves the old login, never half a file).
import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, rename, rm } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

export interface StoredCredentials {
  issuer: string
  clientId: string
  audience?: string
  accessToken: string
  refreshToken?: string
  idToken?: string
  /** ISO 8601; when the access token stops being accepted. */
  expiresAt: string
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(configHome, 'taskgate', 'credentials.json')
}

/** The stored login, or undefined when there is none. */
export async function readCredentials(path: string): Promise<StoredCredentials | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const parsed = JSON.parse(text) as Partial<StoredCredentials>
  if (typeof parsed.accessToken !== 'string' || typeof parsed.issuer !== 'string') return undefined
  return parsed as StoredCredentials
}

export async function writeCredentials(path: string, credentials: StoredCredentials): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  await chmod(dir, 0o700)
  const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`
  // The mode is given at creation: no moment exists in which the tokens sit in a world-readable file.
  const file = await open(temporary, 'wx', 0o600)
  try {
    await file.writeFile(`${JSON.stringify(credentials, null, 2)}\n`)
    await file.sync()
  } finally {
    await file.close()
  }
  try {
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    throw error
  }
}

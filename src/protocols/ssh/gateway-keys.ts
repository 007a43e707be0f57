// The gateway's own SSH keys: its host key (what clients pin; the same across restarts) and the user CA
// that signs per-session certificates. Each comes from the resource's secret reference, or is generated
// once into store.dir/ssh/ (directory 0700, file 0600, created exclusively so two resources starting
// together share one) and read back at every start. A key file other users can read stops the start.
import { constants } from 'node:fs'
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type { SecretRef } from '../../config/schema.ts'
import { TaskgateError } from '../../core/index.ts'
import {
  type Ed25519Key,
  generateEd25519,
  openSshPrivateKey,
  parseOpenSshEd25519,
} from '../../kinds/ssh-keys.ts'

const { parseKey } = createRequire(import.meta.url)('ssh2/lib/protocol/keyParser.js') as {
  parseKey: (data: string) => { type: string; getPublicSSH(): Buffer } | Error
}

export interface KeySource {
  ref: SecretRef | undefined
  /** Where the generated key lives when `ref` is absent. */
  file: string
  where: string
  resolveSecret: (ref: SecretRef, where: string) => Promise<string>
}

/** The private key text (OpenSSH format) of `source`. */
export async function loadKeyText(source: KeySource): Promise<string> {
  if (source.ref) return source.resolveSecret(source.ref, source.where)
  await mkdir(dirname(source.file), { recursive: true, mode: 0o700 })
  await refuseExposed(dirname(source.file), 0o700)
  try {
    const handle = await open(source.file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
    await handle.writeFile(openSshPrivateKey(generateEd25519(), 'taskgate'))
    await handle.close()
    await chmod(source.file, 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  await refuseExposed(source.file, 0o600)
  return readFile(source.file, 'utf8')
}

/** The CA: an unencrypted OpenSSH Ed25519 key (what mintUserCertificate signs with). */
export async function loadUserCa(source: KeySource): Promise<Ed25519Key> {
  const key = parseOpenSshEd25519(await loadKeyText(source))
  if (!key)
    throw new TaskgateError('TG_CONFIG_INVALID', {
      message: `${source.where}: the SSH user CA must be an unencrypted OpenSSH Ed25519 private key (ssh-keygen -t ed25519 -N '')`,
    })
  return key
}

/** `type base64` of a private key's public half, as known_hosts and TrustedUserCAKeys read it. */
export function publicLineOf(privateKeyText: string, where: string): string {
  const parsed = parseKey(privateKeyText)
  if (parsed instanceof Error)
    throw new TaskgateError('TG_CONFIG_INVALID', {
      message: `${where}: not an unencrypted OpenSSH or PEM private key (${parsed.message})`,
    })
  return `${parsed.type} ${parsed.getPublicSSH().toString('base64')}`
}

async function refuseExposed(path: string, fix: number): Promise<void> {
  if (process.platform === 'win32') return
  const { mode } = await stat(path)
  if ((mode & 0o077) !== 0)
    throw new TaskgateError('TG_STORE_FILES_EXPOSED', {
      message: `Other users of this machine can read ${path} (mode ${(mode & 0o777).toString(8)}): run chmod ${fix.toString(8)} ${path}`,
    })
}

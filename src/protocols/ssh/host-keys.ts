// The target's host key check: the configured `hostKey` line, or the entries of a known_hosts file for the
// target (plain host names, `[host]:port`, `*` patterns, `!` negations and hashed `|1|salt|hash` names;
// `@revoked` keys refused; `@cert-authority` lines are not supported and never match). No entry, no
// session: the gateway never trusts a target on first use.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { globMatches, TaskgateError } from '../../core/index.ts'

const MAX_KNOWN_HOSTS_BYTES = 4 * 1024 * 1024

export interface HostKeyCheck {
  /** The SSH host key algorithms the check can accept (ssh2's `algorithms.serverHostKey`), or undefined. */
  algorithms?: string[]
  accepts(blob: Buffer): boolean
}

const ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
}

export async function hostKeyCheck(target: {
  host: string
  port: number
  hostKey?: string | undefined
  knownHosts?: string | undefined
}): Promise<HostKeyCheck> {
  if (target.hostKey) {
    const [type, base64] = target.hostKey.split(' ')
    const expected = Buffer.from(base64!, 'base64')
    return {
      algorithms: ALGORITHMS[type!] ?? [type!],
      accepts: (blob) => sameBytes(blob, expected),
    }
  }
  const text = await readFile(target.knownHosts!, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new TaskgateError('TG_CONFIG_INVALID', {
      message: `cannot read known_hosts file ${target.knownHosts}: ${error.code ?? error.message}`,
    })
  })
  if (text.length > MAX_KNOWN_HOSTS_BYTES)
    throw new TaskgateError('TG_CONFIG_INVALID', { message: `${target.knownHosts} is too large` })
  const { keys, revoked } = entriesFor(text, target.host, target.port)
  if (keys.length === 0)
    throw new TaskgateError('TG_CONFIG_INVALID', {
      message: `${target.knownHosts} has no key for ${hostName(target.host, target.port)}`,
    })
  return {
    accepts: (blob) => !revoked.some((k) => sameBytes(blob, k)) && keys.some((k) => sameBytes(blob, k)),
  }
}

function hostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

/** The keys known_hosts lists for host:port, and the revoked ones. */
export function entriesFor(text: string, host: string, port: number): { keys: Buffer[]; revoked: Buffer[] } {
  const name = hostName(host, port).toLowerCase()
  const keys: Buffer[] = []
  const revoked: Buffer[] = []
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(/[ \t]+/)
    if (fields.length < 3 || fields[0]!.startsWith('#')) continue
    const marker = fields[0]!.startsWith('@') ? fields.shift() : undefined
    const [patterns, , base64] = fields
    if (!patterns || !base64 || marker === '@cert-authority') continue
    if (!namesMatch(patterns, name)) continue
    const blob = Buffer.from(base64, 'base64')
    if (marker === '@revoked') revoked.push(blob)
    else if (marker === undefined) keys.push(blob)
  }
  return { keys, revoked }
}

function namesMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|')
    if (!salt || !hash) return false
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest()
    return sameBytes(mac, Buffer.from(hash, 'base64'))
  }
  let matched = false
  for (const pattern of patterns.toLowerCase().split(',')) {
    const negated = pattern.startsWith('!')
    const glob = negated ? pattern.slice(1) : pattern
    if (!globMatches(glob, name)) continue
    if (negated) return false
    matched = true
  }
  return matched
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

// Ed25519 keys in OpenSSH's formats, shared by the SSH kind's credential verifier (core), the engine
// (protocols/ssh) and the CLI (the key file `taskgate grant env` / `connect` writes): the public key blob
// and `ssh-ed25519 AAAA…` line, and the unencrypted `openssh-key-v1` private key file that OpenSSH and ssh2
// read. A grant credential's login key is derived from its password (HMAC-SHA-256 of the password as the
// Ed25519 seed), so the gateway stores only the public key and the CLI can write the private key at once.
import { createHmac, createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto'

/** The DER prefix of a PKCS#8 Ed25519 private key: the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

export interface Ed25519Key {
  /** The 32-byte seed (the private key). */
  seed: Buffer
  /** The 32-byte public key. */
  publicKey: Buffer
  /** For node:crypto's sign(). */
  privateKey: KeyObject
}

/** An SSH wire `string`: a uint32 length, then the bytes. */
export function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

export function ed25519FromSeed(seed: Buffer): Ed25519Key {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes')
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  })
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return { seed, publicKey: Buffer.from(spki.subarray(spki.length - 32)), privateKey }
}

export function generateEd25519(): Ed25519Key {
  return ed25519FromSeed(randomBytes(32))
}

/** The login key of a grant credential: the same password always gives the same key. */
export function loginKeyFromPassword(password: string): Ed25519Key {
  return ed25519FromSeed(createHmac('sha256', 'taskgate ssh login key v1').update(password, 'utf8').digest())
}

/** The public key as SSH writes it on the wire (`string "ssh-ed25519", string key`). */
export function ed25519PublicBlob(publicKey: Buffer): Buffer {
  return Buffer.concat([sshString('ssh-ed25519'), sshString(publicKey)])
}

/** `ssh-ed25519 AAAA… comment`, as authorized_keys, known_hosts and TrustedUserCAKeys read it. */
export function publicKeyLine(publicKey: Buffer, comment = ''): string {
  return `ssh-ed25519 ${ed25519PublicBlob(publicKey).toString('base64')}${comment ? ` ${comment}` : ''}`
}

/** The unencrypted OpenSSH private key file (PROTOCOL.key): what `ssh -i` and ssh2 read. */
export function openSshPrivateKey(key: Ed25519Key, comment = ''): string {
  const check = randomBytes(4)
  const body = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(key.publicKey),
    sshString(Buffer.concat([key.seed, key.publicKey])),
    sshString(comment),
  ])
  const padding = Buffer.from(Array.from({ length: (8 - (body.length % 8)) % 8 }, (_, i) => i + 1))
  const count = Buffer.alloc(4)
  count.writeUInt32BE(1)
  const file = Buffer.concat([
    Buffer.from('openssh-key-v1\0', 'latin1'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    count,
    sshString(ed25519PublicBlob(key.publicKey)),
    sshString(Buffer.concat([body, padding])),
  ])
  const lines = file.toString('base64').match(/.{1,70}/g) ?? []
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`
}

/** Reads the Ed25519 key of an unencrypted OpenSSH private key file; undefined for anything else. */
export function parseOpenSshEd25519(text: string): Ed25519Key | undefined {
  try {
    return readOpenSshEd25519(text)
  } catch {
    return undefined
  }
}

function readOpenSshEd25519(text: string): Ed25519Key | undefined {
  const match =
    /-----BEGIN OPENSSH PRIVATE KEY-----([A-Za-z0-9+/=\s]+)-----END OPENSSH PRIVATE KEY-----/.exec(
      text.slice(0, 16 * 1024),
    )
  if (!match) return undefined
  const bytes = Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64')
  const reader = new SshReader(bytes, 'openssh-key-v1\0'.length)
  if (bytes.subarray(0, 15).toString('latin1') !== 'openssh-key-v1\0') return undefined
  if (reader.string().toString() !== 'none') return undefined
  reader.string()
  reader.string()
  if (reader.uint32() !== 1) return undefined
  reader.string()
  const body = new SshReader(reader.string(), 8)
  if (body.string().toString() !== 'ssh-ed25519') return undefined
  body.string()
  const secret = body.string()
  if (secret.length !== 64) return undefined
  return ed25519FromSeed(Buffer.from(secret.subarray(0, 32)))
}

/** Reads SSH wire fields; throws past the end (callers treat that as a malformed key). */
export class SshReader {
  readonly bytes: Buffer
  #at: number
  constructor(bytes: Buffer, at = 0) {
    this.bytes = bytes
    this.#at = at
  }
  uint32(): number {
    if (this.#at + 4 > this.bytes.length) throw new RangeError('truncated SSH field')
    const value = this.bytes.readUInt32BE(this.#at)
    this.#at += 4
    return value
  }
  string(): Buffer {
    const length = this.uint32()
    if (this.#at + length > this.bytes.length) throw new RangeError('truncated SSH field')
    const value = this.bytes.subarray(this.#at, this.#at + length)
    this.#at += length
    return value
  }
}

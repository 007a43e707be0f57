// Where the console keeps what several gateways behind a load balancer must share: its sessions and the
// sign-ins in flight. main.ts passes the store's (PostgreSQL: every replica; embedded: every worker); an API
// built without one (unit tests, a lone process) keeps them in memory. Values are sealed with a secret only
// the browser holds (the session cookie, the sign-in's binding cookie): a copy of the store alone neither
// yields a usable token nor lets anyone finish someone else's sign-in.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto'
import type { SharedStateKind, SharedStateStore } from '../../core/index.ts'

export type { SharedStateKind }

/** The store's SharedStateStore, as the console uses it (the one type: its kinds cannot drift apart). */
export type SharedState = SharedStateStore

/** One process's state, for an API served by a single process without a store handed in. */
export class MemorySharedState implements SharedState {
  readonly #entries = new Map<string, { value: string; expiresAt: number }>()

  async put(kind: SharedStateKind, key: string, value: string, expiresAt: Date, now: Date) {
    if (this.#live(kind, key, now)) return false
    this.#entries.set(`${kind}\0${key}`, { value, expiresAt: expiresAt.getTime() })
    return true
  }
  async get(kind: SharedStateKind, key: string, now: Date) {
    return this.#live(kind, key, now)?.value
  }
  async take(kind: SharedStateKind, key: string, now: Date) {
    const live = this.#live(kind, key, now)
    this.#entries.delete(`${kind}\0${key}`)
    return live?.value
  }
  async replace(kind: SharedStateKind, key: string, value: string, now: Date) {
    const live = this.#live(kind, key, now)
    if (live) live.value = value
    return live !== undefined
  }
  async delete(kind: SharedStateKind, key: string) {
    this.#entries.delete(`${kind}\0${key}`)
  }
  async count(kind: SharedStateKind, now: Date) {
    let n = 0
    for (const [k, e] of this.#entries) if (k.startsWith(`${kind}\0`) && e.expiresAt > now.getTime()) n++
    return n
  }
  async sweep(now: Date) {
    let n = 0
    for (const [k, e] of this.#entries)
      if (e.expiresAt <= now.getTime()) {
        this.#entries.delete(k)
        n++
      }
    return n
  }
  #live(kind: SharedStateKind, key: string, now: Date) {
    const entry = this.#entries.get(`${kind}\0${key}`)
    return entry && entry.expiresAt > now.getTime() ? entry : undefined
  }
}

/** The row key for a browser-held secret: a hash, so the store never holds the cookie itself. */
export function keyFor(secret: string, purpose: string): string {
  return createHash('sha256').update(`taskgate ${purpose}\0${secret}`).digest('base64url')
}

/** AES-256-GCM under a key derived from `secret`; iv, tag and ciphertext in one base64url string. */
export function seal(secret: string, purpose: string, value: unknown): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keyOf(secret, purpose), iv)
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
}

/** The value `seal` sealed, or undefined when `secret` is not the one it was sealed with. */
export function unseal<T>(secret: string, purpose: string, sealed: string): T | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64url')
    const decipher = createDecipheriv('aes-256-gcm', keyOf(secret, purpose), raw.subarray(0, 12))
    decipher.setAuthTag(raw.subarray(12, 28))
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}

function keyOf(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, '', `taskgate ${purpose}`, 32))
}

/** A binding cookie `<secret>.<sealed>` (a sign-in in flight, held by its browser): the value sealed in it
 * with its own secret, or undefined when it is missing, malformed or tampered with. */
export function unsealBinding<T>(binding: string | undefined, purpose: string): T | undefined {
  if (!binding || binding.length > 8192) return undefined
  const dot = binding.indexOf('.')
  if (dot <= 0) return undefined
  return unseal<T>(binding.slice(0, dot), purpose, binding.slice(dot + 1))
}

// Who a Slack approver is in taskgate, found by e-mail through the identity provider: taskgate keeps no
// people directory of its own, so it remembers what the IdP said about each person who signed in (console
// or API, OIDC or SAML): their principal id, name and groups, by e-mail, for `maxAge`. A Slack press maps
// the Slack user to their e-mail (Slack's users.info, slack-users.ts), then to that principal. Someone who
// has not signed in through the IdP within maxAge is not known: their groups could have changed since.
import type { Principal } from '../../core/index.ts'
import type { SharedState } from '../console/shared-state.ts'

/** A person is written again at most this often per process (every API request authenticates). */
const REMEMBER_EVERY_MS = 5 * 60_000
/** Bounds the per-process memo of recent writes, not the directory (the store's rows expire). */
const MAX_MEMO = 10_000
/** A simple e-mail shape: the IdP's `email` claim or SAML e-mail attribute; anything else is not one. */
const EMAIL = /^[^@\s]{1,128}@[^@\s]{1,255}$/

interface Remembered {
  id: string
  name: string
  groups: string[]
  via: Principal['via']
}

export class PeopleDirectory {
  readonly #state: SharedState
  readonly #maxAgeMs: number
  readonly #written = new Map<string, number>()

  constructor(state: SharedState, maxAgeMs: number) {
    this.#state = state
    this.#maxAgeMs = maxAgeMs
  }

  /** Notes a person the IdP vouched for just now (never awaited by the request it comes from). */
  async remember(principal: Principal): Promise<void> {
    if (principal.kind !== 'person' || (principal.via !== 'oidc' && principal.via !== 'saml')) return
    if (!EMAIL.test(principal.name)) return
    const now = Date.now()
    const key = principal.name.toLowerCase()
    const memo = `${key}\0${principal.id}\0${principal.groups.join(',')}`
    if (now - (this.#written.get(memo) ?? 0) < REMEMBER_EVERY_MS) return
    if (this.#written.size >= MAX_MEMO) this.#written.clear()
    this.#written.set(memo, now)
    const value: Remembered = {
      id: principal.id,
      name: principal.name,
      groups: principal.groups,
      via: principal.via,
    }
    const text = JSON.stringify(value)
    // A fresh expiry each time: delete, then put (put never overwrites a live row).
    await this.#state.delete('person', key)
    await this.#state.put('person', key, text, new Date(now + this.#maxAgeMs), new Date(now))
  }

  /** The person the IdP last said has this e-mail, signed in within maxAge; undefined otherwise. */
  async find(email: string): Promise<Principal | undefined> {
    if (!EMAIL.test(email)) return undefined
    const text = await this.#state.get('person', email.toLowerCase(), new Date())
    if (text === undefined) return undefined
    const known = JSON.parse(text) as Remembered
    return { id: known.id, kind: 'person', name: known.name, groups: known.groups, via: 'slack' }
  }
}

// Listener registry behind Store.subscribe, shared by both backends.
import type { StoreChannel } from './store.ts'

export const STORE_CHANNELS: readonly StoreChannel[] = [
  'grant_changed',
  'approval_changed',
  'session_end_requested',
  'login_failed',
]

type Listener = (payload: string) => void

export class ChannelListeners {
  readonly #byChannel = new Map<StoreChannel, Set<Listener>>()

  add(channel: StoreChannel, listener: Listener): () => void {
    let set = this.#byChannel.get(channel)
    if (!set) {
      set = new Set()
      this.#byChannel.set(channel, set)
    }
    // Wrap so the same function subscribed twice gets two deliveries and two independent unsubscribes.
    const entry: Listener = (payload) => listener(payload)
    set.add(entry)
    return () => {
      set.delete(entry)
    }
  }

  /** Calls every listener of the channel. One throwing listener must not starve the others (they
   * decide whether live sessions get closed), so its error is reported as a process warning. */
  deliver(channel: StoreChannel, payload: string): void {
    const set = this.#byChannel.get(channel)
    if (!set) return
    for (const listener of [...set]) {
      try {
        listener(payload)
      } catch (error) {
        process.emitWarning(`store listener on ${channel} threw: ${String(error)}`, 'TaskgateStoreWarning')
      }
    }
  }

  clear(): void {
    this.#byChannel.clear()
  }
}

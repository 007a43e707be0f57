// Opens a core session for a logged-in client before the relay exists: a grant that ends between the login
// and the relay's start is remembered and reported, so the protocol closes the connection instead of
// relaying under an ended grant.
import type { Core, GrantContext, SessionEnding, SessionHandle } from '../../core/index.ts'

export interface PendingSession {
  handle: SessionHandle
  /** Why the grant ended before `attach`, if it did: the protocol then closes without relaying. */
  readonly endedBeforeRelay: string | undefined
  /** From now on core's close reaches `close` (the relay). */
  attach(close: (reason: string, ending?: SessionEnding) => void): void
}

export async function openPendingSession(
  core: Core,
  input: { context: GrantContext; protocol: string; client: string },
): Promise<PendingSession> {
  let relayClose: ((reason: string, ending?: SessionEnding) => void) | undefined
  let ended: string | undefined
  const handle = await core.openSession({
    ...input,
    close: (reason, ending) => {
      if (relayClose) relayClose(reason, ending)
      else ended = reason
    },
  })
  return {
    handle,
    get endedBeforeRelay() {
      return ended
    },
    attach(close) {
      relayClose = close
      if (ended !== undefined) close(ended, 'grant')
    },
  }
}

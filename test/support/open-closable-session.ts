// A live session on a grant, opened through core as the PostgreSQL protocol opens it: when core asks it to
// close (a revoke, an ended session) it records the reason and closes, so tests can see both.

import type { Config } from '../../src/config/schema.ts'
import type { Core, Grant, SessionHandle } from '../../src/core/index.ts'

export async function openClosableSession(
  core: Core,
  grant: Grant,
  resource: Config['resources'][number],
): Promise<{ session: SessionHandle; closed: string[] }> {
  const closed: string[] = []
  let handle: SessionHandle | undefined
  handle = await core.openSession({
    context: { grant, resource },
    protocol: 'postgres',
    client: '127.0.0.1:5000',
    close: (reason) => {
      closed.push(reason)
      if (handle) void core.closeSession(handle, reason)
    },
  })
  return { session: handle, closed }
}

// Which store backend a gateway uses: the PostgreSQL one when a database URL is given, else the embedded one.
// Called by main.ts (the composition root), so main.ts names no backend of its own.
import { openEmbeddedStore } from './embedded/index.ts'
import { openPostgresStore } from './postgres/index.ts'
import type { Store } from './store.ts'

export function openStore(options: {
  /** A PostgreSQL store's URL; the embedded store in `dir` when absent. */
  databaseUrl: string | undefined
  poolSize: number
  dir: string
  /** This is the gateway's only process, so the embedded store may hold its file exclusively. */
  exclusive: boolean
}): Promise<Store> {
  return options.databaseUrl
    ? openPostgresStore({ url: options.databaseUrl, poolSize: options.poolSize })
    : openEmbeddedStore({ dir: options.dir, exclusive: options.exclusive })
}

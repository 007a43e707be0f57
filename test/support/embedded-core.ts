// Core on an embedded store in a temp dir, for tests that drive core directly (no protocol listener).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import type { Config } from '../../src/config/schema.ts'
import { type Core, createCore } from '../../src/core/index.ts'
import { openEmbeddedStore } from '../../src/store/embedded/index.ts'
import type { Store } from '../../src/store/store.ts'

export interface EmbeddedCore extends AsyncDisposable {
  core: Core
  store: Store
}

export async function openEmbeddedCore(
  config: Config,
  options: Omit<Parameters<typeof createCore>[0], 'config' | 'store' | 'logger'> = {},
): Promise<EmbeddedCore> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-core-'))
  const store = await openEmbeddedStore({ dir })
  const core = createCore({
    config,
    store,
    logger: pino({ level: 'silent' }),
    sweepIntervalMs: 20,
    ...options,
  })
  return {
    core,
    store,
    async [Symbol.asyncDispose]() {
      await core.close()
      await store.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

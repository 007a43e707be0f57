// The control-plane API on a test's core, listening on 127.0.0.1 port 0 with a silent logger.
import pino from 'pino'
import { type ApiServer, createApiServer } from '../../src/api/index.ts'
import type { Core } from '../../src/core/index.ts'

export async function listenApiServer(core: Core): Promise<{ server: ApiServer; url: string }> {
  const server = createApiServer({
    core,
    logger: pino({ level: 'silent' }),
    listen: { host: '127.0.0.1', port: 0 },
  })
  return { server, url: (await server.listen()).url }
}

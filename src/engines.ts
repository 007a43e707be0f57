// The engine of each resource kind: part of the composition root (main.ts starts, per configured resource,
// the engine its kind names here). A new kind adds one line; the kind's data lives in src/kinds/.
// Each engine is imported when a resource of its kind is configured, not before: loading every protocol
// (mysql2, ssh2, the Kubernetes and HTTP proxies: about 300 modules) costs a PostgreSQL-only gateway
// seconds of CPU at each start, which on a loaded host delays a restarted replica's return by tens of seconds.
import type { ResourceConfig } from './config/schema.ts'
import type { EngineOptions, ProtocolServer } from './protocols/protocol-server.ts'

type Engines = {
  [Kind in ResourceConfig['kind']]: (
    options: EngineOptions<Extract<ResourceConfig, { kind: Kind }>>,
  ) => Promise<ProtocolServer>
}

const ENGINES: Engines = {
  postgres: async ({ resource, ...rest }) => {
    const { createPostgresServer } = await import('./protocols/postgres/index.ts')
    return createPostgresServer({
      ...rest,
      resource,
      authMethod: resource.clients.authMethod,
      requireTls: resource.clients.requireTls,
      maxMessageBytes: resource.clients.maxMessageBytes,
    })
  },
  mysql: async (options) => (await import('./protocols/mysql/index.ts')).createMysqlServer(options),
  http: async (options) => (await import('./protocols/http/index.ts')).createHttpServer(options),
  kubernetes: async (options) =>
    (await import('./protocols/kubernetes/index.ts')).createKubernetesServer(options),
  ssh: async (options) => (await import('./protocols/ssh/index.ts')).createSshServer(options),
}

/** Starts nothing: builds the server of `options.resource`'s kind (it listens on `listen()`). */
export function createEngine(options: EngineOptions<ResourceConfig>): Promise<ProtocolServer> {
  const engine = ENGINES[options.resource.kind] as (
    o: EngineOptions<ResourceConfig>,
  ) => Promise<ProtocolServer>
  return engine(options)
}

// The engine of each resource kind: part of the composition root (main.ts starts, per configured resource,
// the engine its kind names here). A new kind adds one line; the kind's data lives in src/kinds/.
import type { ResourceConfig } from './config/schema.ts'
import { createHttpServer } from './protocols/http/index.ts'
import { createKubernetesServer } from './protocols/kubernetes/index.ts'
import { createMysqlServer } from './protocols/mysql/index.ts'
import { createPostgresServer } from './protocols/postgres/index.ts'
import type { EngineOptions, ProtocolServer } from './protocols/protocol-server.ts'
import { createSshServer } from './protocols/ssh/index.ts'

type Engines = {
  [Kind in ResourceConfig['kind']]: (
    options: EngineOptions<Extract<ResourceConfig, { kind: Kind }>>,
  ) => ProtocolServer | Promise<ProtocolServer>
}

const ENGINES: Engines = {
  postgres: ({ resource, ...rest }) =>
    createPostgresServer({
      ...rest,
      resource,
      authMethod: resource.clients.authMethod,
      requireTls: resource.clients.requireTls,
      maxMessageBytes: resource.clients.maxMessageBytes,
    }),
  mysql: (options) => createMysqlServer(options),
  http: (options) => createHttpServer(options),
  kubernetes: (options) => createKubernetesServer(options),
  ssh: (options) => createSshServer(options),
}

/** Starts nothing: builds the server of `options.resource`'s kind (it listens on `listen()`). */
export function createEngine(
  options: EngineOptions<ResourceConfig>,
): ProtocolServer | Promise<ProtocolServer> {
  const engine = ENGINES[options.resource.kind] as (o: EngineOptions<ResourceConfig>) => ProtocolServer
  return engine(options)
}

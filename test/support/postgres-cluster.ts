// A throwaway PostgreSQL server of the test's own (initdb + pg_ctl, as the postgres user when the tests run as
// root), for faults the machine's shared server must not suffer: stopped and started again by the test.
import { freePort } from './console.ts'
import { initPostgresDataDir } from './postgres-data-dir.ts'

export interface PostgresCluster extends AsyncDisposable {
  port: number
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string
  /** Stops the server at once (connections are cut, as on a crash or a network loss). */
  stop(): Promise<void>
  start(): Promise<void>
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const dataDir = await initPostgresDataDir('tg-cluster-')
  const port = await freePort()
  const start = () => dataDir.start(port)
  await start()
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: dataDir.stop,
    start,
    [Symbol.asyncDispose]: dataDir.remove,
  }
}

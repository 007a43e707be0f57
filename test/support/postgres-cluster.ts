// A throwaway PostgreSQL server of the test's own (initdb + pg_ctl, as the postgres user when the tests run as
// root), for faults the machine's shared server must not suffer: stopped and started again by the test.
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './console.ts'

const run = promisify(execFile)

export interface PostgresCluster extends AsyncDisposable {
  port: number
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string
  /** Stops the server at once (connections are cut, as on a crash or a network loss). */
  stop(): Promise<void>
  start(): Promise<void>
}

function pgBin(tool: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
  return join('/usr/lib/postgresql', versions[0]!, 'bin', tool)
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-cluster-'))
  const asRoot = process.getuid?.() === 0
  const as = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', pgBin(tool), ...args]) : run(pgBin(tool), args)
  if (asRoot) await run('chown', ['postgres', dir])
  const data = join(dir, 'data')
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'])
  const port = await freePort()
  const start = async () => {
    await as('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      'start',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    ])
  }
  const stop = async () => {
    await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
  }
  await start()
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    async [Symbol.asyncDispose]() {
      await stop().catch(() => {})
      await rm(dir, { recursive: true, force: true })
    },
  }
}

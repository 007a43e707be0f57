// A fresh PostgreSQL data directory in a temp dir (initdb, trust auth) and pg_ctl to start and stop a server
// on it: the start of every throwaway PostgreSQL server a test owns. The tools run as the postgres user when
// the tests run as root, because initdb refuses root.
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface PostgresDataDir {
  /** The temp dir: holds `data`, the server log and the Unix socket. */
  dir: string
  data: string
  /** Gives files the test writes into the dir to the postgres user (when running as root). */
  chownToPostgres(files: string[]): Promise<void>
  /** Starts a server on 127.0.0.1:port, fsync off, with more `-c name=value` settings. */
  start(port: number, settings?: string[]): Promise<void>
  /** Stops the server at once (connections are cut, as on a crash or a network loss). */
  stop(): Promise<void>
  /** Stops the server if it runs and deletes the dir. */
  remove(): Promise<void>
}

function pgBin(tool: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
  return join('/usr/lib/postgresql', versions[0]!, 'bin', tool)
}

export async function initPostgresDataDir(prefix: string): Promise<PostgresDataDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  const asRoot = process.getuid?.() === 0
  const as = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', pgBin(tool), ...args]) : run(pgBin(tool), args)
  const chownToPostgres = async (files: string[]) => {
    if (asRoot) await run('chown', ['postgres', ...files])
  }
  await chownToPostgres([dir])
  const data = join(dir, 'data')
  await as('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'])
  const stop = async () => {
    await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
  }
  return {
    dir,
    data,
    chownToPostgres,
    async start(port, settings = []) {
      const options = [
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
        ...settings.map((s) => `-c ${s}`),
      ]
      await as('pg_ctl', [
        '-D',
        data,
        '-l',
        join(dir, 'log'),
        '-w',
        'start',
        '-o',
        [...options, '-c fsync=off'].join(' '),
      ])
    },
    stop,
    async remove() {
      await stop().catch(() => {})
      await rm(dir, { recursive: true, force: true })
    },
  }
}

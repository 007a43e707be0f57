// Throwaway databases on a real PostgreSQL: the machine's server (TASKGATE_TEST_PG, default
// postgres://postgres@127.0.0.1:5432/postgres). Each test gets its own database, dropped on dispose.
import { randomBytes } from 'node:crypto'
import pg from 'pg'

export const ADMIN_URL = process.env.TASKGATE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface ThrowawayDatabase extends AsyncDisposable {
  name: string
  url: string
  host: string
  port: number
  user: string
  /** Runs SQL as the admin user inside the throwaway database. */
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>
}

export async function createThrowawayDatabase(prefix = 'tg_test'): Promise<ThrowawayDatabase> {
  const name = `${prefix}_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: ADMIN_URL })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const base = new URL(ADMIN_URL)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  const client = new pg.Client({ connectionString: url.toString() })
  await client.connect()
  return {
    name,
    url: url.toString(),
    host: base.hostname,
    port: Number(base.port || 5432),
    user: decodeURIComponent(base.username || 'postgres'),
    query: (sql, params) => client.query(sql, params as unknown[]),
    async [Symbol.asyncDispose]() {
      await client.end().catch(() => {})
      const a = new pg.Client({ connectionString: ADMIN_URL })
      await a.connect()
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await a.end()
      }
    },
  }
}

// Schema migrations for the PostgreSQL store, safe when several gateways start at once.
import { join } from 'node:path'
import { TaskgateError } from '../../core/errors.ts'
import { readMigrations } from '../migration-files.ts'
import { LOCK_MIGRATIONS, LOCK_NAMESPACE, type PgDatabase } from './database.ts'

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations')

/** Applies the missing migrations in one transaction. The advisory lock is taken before anything else,
 * even CREATE SCHEMA IF NOT EXISTS (which races on the catalog's unique index), so a second gateway
 * waits, then finds everything applied. */
export async function migrate(db: PgDatabase, connectTimeoutMs: number): Promise<void> {
  const known = readMigrations(MIGRATIONS_DIR)
  await db.transactionOnOwnConnection(async (query) => {
    await query({ text: 'SELECT pg_advisory_xact_lock($1, $2)', values: [LOCK_NAMESPACE, LOCK_MIGRATIONS] })
    await query({ text: 'CREATE SCHEMA IF NOT EXISTS taskgate' })
    await query({
      text: `CREATE TABLE IF NOT EXISTS taskgate.schema_migrations (version integer PRIMARY KEY, name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`,
    })
    const { rows } = await query<{ version: number }>({
      text: 'SELECT version FROM taskgate.schema_migrations',
    })
    const applied = new Set(rows.map((r) => r.version))
    const newest = Math.max(0, ...applied)
    if (newest > known.length) {
      throw new TaskgateError('TG_STORE_UNAVAILABLE', {
        message: `The store schema (version ${newest}) is newer than this gateway (version ${known.length}); upgrade the gateway.`,
      })
    }
    for (const migration of known) {
      if (applied.has(migration.version)) continue
      await query({ text: migration.sql })
      await query({
        text: 'INSERT INTO taskgate.schema_migrations (version, name) VALUES ($1, $2)',
        values: [migration.version, migration.name],
      })
    }
  }, connectTimeoutMs)
}

/** This gateway's migrations the store lacks: 0 once migrated (another gateway may have migrated it further). */
export async function pendingMigrations(db: PgDatabase, query = db.query): Promise<number> {
  const { rows } = await query<{ n: string }>({
    name: 'tg.migrations.count',
    text: 'SELECT count(*) AS n FROM taskgate.schema_migrations',
  })
  knownMigrations ??= readMigrations(MIGRATIONS_DIR).length
  return Math.max(0, knownMigrations - Number(rows[0]?.n ?? 0))
}

/** Read once: the files do not change while the gateway runs. */
let knownMigrations: number | undefined

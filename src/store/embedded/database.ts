// One node:sqlite connection per store: opening, pragmas, migrations, cached statements, transactions
// and the mapping of SQLite failures to TaskgateErrors.
import { join } from 'node:path'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { TaskgateError, toTaskgateError } from '../../core/errors.ts'
import { readMigrations } from '../migration-files.ts'
import { makePrivateDir, makePrivateFile, refuseExposedFiles } from '../private-files.ts'

const MIGRATIONS_DIR = join(import.meta.dirname, 'migrations')

export class EmbeddedDatabase {
  readonly #db: DatabaseSync
  readonly #statements = new Map<string, StatementSync>()

  constructor(file: string, exclusive: boolean) {
    this.#db = new DatabaseSync(file)
    // busy_timeout first: switching to WAL and migrating need a lock another process may hold.
    this.#db.exec('PRAGMA busy_timeout = 5000')
    // Shared WAL keeps its index in the memory-mapped `-shm` file: when that file cannot be written (made
    // immutable, a failing disk) the next write to the mapping is a SIGBUS that kills the process. Holding
    // the database for this process alone keeps the index in heap memory instead (sqlite.org/wal.html#noshm),
    // so a store fault is an error the data path denies on, never a crash. Set before WAL is entered.
    if (exclusive) this.#db.exec('PRAGMA locking_mode = EXCLUSIVE')
    this.#db.exec('PRAGMA journal_mode = WAL')
    // NORMAL under WAL never corrupts the file; a power cut may lose the last commits, not break the
    // audit chain. FULL would fsync on every commit, blocking the event loop of the gateway.
    this.#db.exec('PRAGMA synchronous = NORMAL')
  }

  /** A prepared statement, prepared once per SQL text and reused. */
  statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql)
    if (!statement) {
      statement = this.#db.prepare(sql)
      this.#statements.set(sql, statement)
    }
    return statement
  }

  /** Runs `fn` in BEGIN IMMEDIATE ... COMMIT: the write lock is taken up front, so a read-then-write
   * (audit head, state transitions) cannot interleave with another process's writer. */
  transaction<T>(fn: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE')
    try {
      const result = fn()
      this.#db.exec('COMMIT')
      return result
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK')
      throw error
    }
  }

  #knownMigrations: number | undefined

  /** This gateway's migrations the database lacks: 0 once migrated. */
  pendingMigrations(): number {
    const row = this.statement('SELECT count(*) AS n FROM schema_migrations').get()
    this.#knownMigrations ??= readMigrations(MIGRATIONS_DIR).length
    return Math.max(0, this.#knownMigrations - Number(row?.n ?? 0))
  }

  migrate(): void {
    this.transaction(() => {
      this.#db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
      )
      const applied = new Set(
        this.#db
          .prepare('SELECT version FROM schema_migrations')
          .all()
          .map((row) => Number(row.version)),
      )
      const known = readMigrations(MIGRATIONS_DIR)
      const newest = Math.max(0, ...applied)
      if (newest > known.length) {
        throw new TaskgateError('TG_STORE_UNAVAILABLE', {
          message: `The store schema (version ${newest}) is newer than this gateway (version ${known.length}); upgrade the gateway.`,
        })
      }
      const record = this.#db.prepare(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
      )
      for (const migration of known) {
        if (applied.has(migration.version)) continue
        this.#db.exec(migration.sql)
        record.run(migration.version, migration.name, Date.now())
      }
    })
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close()
  }
}

/** Opens the database file in `dir` (created if missing) and brings its schema up to date. `exclusive`: no
 * other process (or connection) opens the file while this one has it (see the constructor). */
export function openEmbeddedDatabase(dir: string, exclusive = false): EmbeddedDatabase {
  try {
    makePrivateDir(dir)
    const file = join(dir, 'taskgate.db')
    makePrivateFile(file)
    refuseExposedFiles([dir, file, `${file}-wal`, `${file}-shm`])
    const db = new EmbeddedDatabase(file, exclusive)
    try {
      db.migrate()
    } catch (error) {
      db.close()
      throw error
    }
    return db
  } catch (error) {
    throw toStoreError(error)
  }
}

/** Runs synchronous store work and maps a SQLite failure to a TaskgateError, as a Promise. */
export async function guarded<T>(fn: () => T): Promise<T> {
  try {
    return fn()
  } catch (error) {
    throw toStoreError(error)
  }
}

// Primary result codes (sqlite.org/rescode.html); extended codes carry them in the low byte. Each says what
// is wrong with the store in words an operator (and a denied client) can act on.
const SQLITE_CONSTRAINT = 19
const BUSY_CODES = new Set([
  5, // SQLITE_BUSY: another process held the lock past busy_timeout
  6, // SQLITE_LOCKED
])
const UNAVAILABLE_PROBLEMS = new Map([
  [8, 'the embedded store is read-only'], // SQLITE_READONLY
  [10, 'the embedded store cannot write to its files (I/O error)'], // SQLITE_IOERR
  [11, 'the embedded store is corrupt'], // SQLITE_CORRUPT
  [13, 'the embedded store is full (no space left)'], // SQLITE_FULL
  [14, 'the embedded store cannot open its files'], // SQLITE_CANTOPEN
  [26, 'the embedded store file is not a database'], // SQLITE_NOTADB
])
// Extended codes for a duplicate key (sqlite.org/rescode.html#constraint_primarykey).
const DUPLICATE_KEY = new Set([1555, 2067])

function toStoreError(error: unknown): TaskgateError {
  if (error instanceof TaskgateError) return error
  const e = error as { code?: unknown; errcode?: unknown }
  if (e?.code === 'ERR_SQLITE_ERROR' && typeof e.errcode === 'number') {
    if (DUPLICATE_KEY.has(e.errcode))
      return new TaskgateError('TG_ALREADY_EXISTS', { detail: String(error), cause: error })
    const primary = e.errcode & 0xff
    if (BUSY_CODES.has(primary))
      return new TaskgateError('TG_STORE_BUSY', { detail: String(error), cause: error })
    const problem = UNAVAILABLE_PROBLEMS.get(primary)
    if (problem)
      return new TaskgateError('TG_STORE_UNAVAILABLE', {
        message: `${capitalized(problem)}; the gateway denies access until it can write again.`,
        detail: String(error),
        cause: error,
      })
    if (primary === SQLITE_CONSTRAINT)
      return new TaskgateError('TG_REQUEST_INVALID', { detail: String(error), cause: error })
  }
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    // A file-system failure (EACCES, ENOSPC, ...) while creating the directory or file.
    return new TaskgateError('TG_STORE_UNAVAILABLE', { detail: String(error), cause: error })
  }
  return toTaskgateError(error)
}

const capitalized = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

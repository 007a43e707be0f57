// Ephemeral MySQL/MariaDB accounts per grant, made and dropped with an admin account. The account holds
// exactly the table privileges the grant's scope names (so the target enforces the scope too, not only
// the gateway), a read-only grant only SELECT; at grant end it is locked, its connections are KILLed
// (MariaDB keeps the open sessions of a dropped account alive) and it is dropped.
//
// Expiry: MariaDB has no VALID UNTIL for accounts, so the expiry lives in the account's name
// (account-name.ts) and `dropExpired` removes any account past it, whichever process made it.
// The password lives only in this process's memory (the target gets its hash); another process (or this one after a restart) sets a
// fresh one with ALTER USER (`loginFor`), which live sessions survive.
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import {
  type Grant,
  type GrantProvisioner,
  objectMatches,
  type Scope,
  TaskgateError,
} from '../../core/index.ts'
import { ACCOUNT_PREFIX, accountNameFor, isExpiredAccount } from './account-name.ts'
import { AdminConnection, MysqlServerError } from './admin-connection.ts'
import { mysqlVerifiers } from './auth-scramble.ts'
import type { MysqlTarget, UpstreamLogin } from './back.ts'
import { isReadOnlyScope } from './implicit-scope.ts'

/** The server's ER_NO_SUCH_TABLE. */
const ER_NO_SUCH_TABLE = 1146

/** Table privileges per scope verb; verbs without one (show, set, transaction, …) are the gateway's alone.
 * TRUNCATE needs the DROP privilege in MySQL and MariaDB; the gateway still decides DROP statements. */
const PRIVILEGES_BY_VERB: Record<string, string[]> = {
  select: ['SELECT'],
  insert: ['INSERT'],
  update: ['UPDATE'],
  delete: ['DELETE'],
  truncate: ['DROP'],
  create: ['CREATE'],
  alter: ['ALTER', 'INDEX'],
  drop: ['DROP'],
  '*': ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
}

/** Never granted through a pattern: the server's own schemas (mysql.user holds password hashes). */
const SYSTEM_SCHEMAS = new Set(['mysql', 'information_schema', 'performance_schema', 'sys'])

/** Errors DROP USER / KILL give for what is already gone. */
const ER_CANNOT_USER = 1396
const ER_NO_SUCH_THREAD = 1094

export interface MysqlProvisionerOptions {
  target: MysqlTarget
  admin: UpstreamLogin
  /** The host part of every account: the address the gateway connects from; `%` by default. */
  accountHost?: string
  /** MAX_USER_CONNECTIONS of every account (bounds what one grant can open upstream); default 20. */
  maxConnections?: number
  logger: Logger
}

const ident = (name: string) => `\`${name.replaceAll('`', '``')}\``
const HOST = /^[A-Za-z0-9.%_:-]+$/

export class MysqlAccountProvisioner implements GrantProvisioner {
  readonly #o: MysqlProvisionerOptions
  readonly #host: string
  readonly #passwords = new Map<string, string>()

  constructor(options: MysqlProvisionerOptions) {
    this.#o = options
    this.#host = options.accountHost ?? '%'
    if (!HOST.test(this.#host))
      throw new TaskgateError('TG_CONFIG_INVALID', { detail: `account host ${this.#host}` })
  }

  #account(user: string): string {
    return `'${user}'@'${this.#host}'`
  }

  async provision(grant: Grant): Promise<void> {
    const expiresAt = grant.expiresAt ?? new Date(Date.now() + grant.ttlSeconds * 1000)
    const user = accountNameFor(grant.id, expiresAt)
    const password = randomBytes(24).toString('base64url')
    await this.#withAdmin(async (db) => {
      const grants = await this.#privilegeStatements(db, grant.scope, this.#account(user))
      // No IF NOT EXISTS: an account of that name already there is a collision, and the grant fails.
      await db.query(
        `CREATE USER ${this.#account(user)} IDENTIFIED BY PASSWORD '${passwordHash(password)}' WITH MAX_USER_CONNECTIONS ${this.#o.maxConnections ?? 20}`,
      )
      try {
        for (const { sql, expanded } of grants) {
          try {
            await db.query(sql)
          } catch (error) {
            // A table a pattern matched was dropped before its GRANT (another client's DROP, between the
            // listing and now): there is nothing left to grant on it. Anything else fails the grant.
            if (expanded && error instanceof MysqlServerError && error.errorCode === ER_NO_SUCH_TABLE)
              continue
            throw error
          }
        }
      } catch (error) {
        await db.query(`DROP USER IF EXISTS ${this.#account(user)}`).catch(() => {})
        throw error
      }
    })
    this.#passwords.set(grant.id, password)
    this.#o.logger.info({ grant: grant.id, account: user }, 'ephemeral account provisioned')
  }

  /** GRANT statements for a scope: `db.*` with a literal database is a database-level grant; any other
   * pattern is expanded to the tables it matches now, outside the system schemas. */
  async #privilegeStatements(
    db: AdminConnection,
    scope: Scope,
    account: string,
  ): Promise<Array<{ sql: string; expanded: boolean }>> {
    const readOnly = isReadOnlyScope(scope)
    const byObject = new Map<string, Set<string>>()
    /** Objects a pattern was expanded to (tables that existed when listed). */
    const expanded = new Set<string>()
    const add = (object: string, privileges: string[]) => {
      const set = byObject.get(object) ?? new Set()
      for (const p of privileges) if (!readOnly || p === 'SELECT') set.add(p)
      if (set.size > 0) byObject.set(object, set)
    }
    let tables: { schema: string; name: string }[] | undefined
    for (const entry of scope) {
      const privileges = PRIVILEGES_BY_VERB[entry.verb]
      if (!privileges) continue
      const database = /^([^.*`]+)\.\*$/.exec(entry.object)?.[1]
      if (database !== undefined && !SYSTEM_SCHEMAS.has(database)) {
        add(`${ident(database)}.*`, privileges)
        continue
      }
      tables ??= (
        await db.query(
          "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')",
        )
      ).rows.map(([schema, name]) => ({ schema: schema!, name: name! }))
      for (const t of tables) {
        // Scope objects match as globs in linear time (core's objectMatches), never as a backtracking RegExp.
        if (objectMatches(entry.object, `${t.schema}.${t.name}`.toLowerCase())) {
          const object = `${ident(t.schema)}.${ident(t.name)}`
          add(object, privileges)
          expanded.add(object)
        }
      }
    }
    return [...byObject].map(([object, privileges]) => ({
      sql: `GRANT ${[...privileges].join(', ')} ON ${object} TO ${account}`,
      expanded: expanded.has(object),
    }))
  }

  async deprovision(grant: Grant): Promise<void> {
    this.#passwords.delete(grant.id)
    await this.#withAdmin(async (db) => {
      for (const user of await this.#accountsOf(db, grant.id)) await this.#drop(db, user)
    })
  }

  /** Drops every ephemeral account past the expiry in its name (a backstop for grants whose end this
   * process never saw); returns the names dropped. */
  async dropExpired(now: Date): Promise<string[]> {
    return this.#withAdmin(async (db) => {
      const { rows } = await db.query(
        `SELECT DISTINCT User FROM mysql.user WHERE User LIKE '${ACCOUNT_PREFIX.replace('_', '\\_')}%'`,
      )
      const expired = rows.map(([user]) => user!).filter((user) => isExpiredAccount(user, now))
      for (const user of expired) await this.#drop(db, user)
      return expired
    })
  }

  /** How sessions of this grant log in upstream. */
  async loginFor(grant: Grant): Promise<UpstreamLogin> {
    const [user] = await this.#withAdmin((db) => this.#accountsOf(db, grant.id))
    if (user === undefined)
      throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
        detail: `no ephemeral account for grant ${grant.id}`,
      })
    let password = this.#passwords.get(grant.id)
    if (password === undefined) {
      password = randomBytes(24).toString('base64url')
      const fresh = password
      await this.#withAdmin((db) =>
        db.query(`ALTER USER ${this.#account(user)} IDENTIFIED BY PASSWORD '${passwordHash(fresh)}'`),
      )
      this.#passwords.set(grant.id, password)
    }
    return { user, password }
  }

  async #accountsOf(db: AdminConnection, grantId: string): Promise<string[]> {
    // The hash part of the name is the grant's; the expiry part may differ (a grant extended since).
    const stem = accountNameFor(grantId, new Date(0)).replace(/_0$/, '_')
    const { rows } = await db.query(
      `SELECT DISTINCT User FROM mysql.user WHERE User LIKE '${stem.replaceAll('_', '\\_')}%'`,
    )
    return rows.map(([user]) => user!)
  }

  /** Lock first (no new logins), then KILL what is open, then drop. */
  async #drop(db: AdminConnection, user: string): Promise<void> {
    const account = this.#account(user)
    await db.query(`ALTER USER ${account} ACCOUNT LOCK`).catch(ignore(ER_CANNOT_USER))
    const { rows } = await db.query(`SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '${user}'`)
    for (const [id] of rows) await db.query(`KILL CONNECTION ${Number(id)}`).catch(ignore(ER_NO_SUCH_THREAD))
    await db.query(`DROP USER IF EXISTS ${account}`)
    this.#o.logger.info({ account: user, killed: rows.length }, 'ephemeral account dropped')
  }

  async #withAdmin<T>(work: (db: AdminConnection) => Promise<T>): Promise<T> {
    const db = await AdminConnection.open(this.#o.target, this.#o.admin)
    try {
      return await work(db)
    } finally {
      db.close()
    }
  }
}

/** mysql_native_password's stored form, `*` + hex SHA1(SHA1(password)): sent instead of the password, so
 * its clear text never reaches the target's query logs. */
const passwordHash = (password: string) =>
  `*${mysqlVerifiers(password).mysqlNativePassword.toString('hex').toUpperCase()}`

const ignore = (errorCode: number) => (error: unknown) => {
  if (!(error instanceof MysqlServerError && error.errorCode === errorCode)) throw error
}

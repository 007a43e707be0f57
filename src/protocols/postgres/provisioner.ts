// Ephemeral upstream roles (defence in depth): when a resource has `admin` configured, each grant gets a
// role `tg_<grantid>` holding exactly the grant's table privileges, so the database enforces the scope
// too. Wildcards (`billing.*`) are expanded to the tables that exist when the grant is provisioned.
//
// The role's password lives only in this process's memory. Choice: a second gateway process (or this one
// after a restart) that needs to log in as the role sets a fresh password with ALTER ROLE (`loginFor`),
// which invalidates the old one only for new logins; live sessions keep their connection. The password is
// sent as a SCRAM verifier, so its clear text never reaches the target or its logs.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Logger } from 'pino'
import type { PostgresResourceConfig } from '../../config/schema.ts'
import { type Grant, type GrantProvisioner, objectMatches, TaskgateError } from '../../core/index.ts'
import type { UpstreamLogin } from './back.ts'
import { isReadOnlyScope } from './implicit-scope.ts'
import { postgresVerifier } from './scram.ts'

const PRIVILEGE_BY_VERB: Record<string, string[]> = {
  select: ['SELECT'],
  insert: ['INSERT'],
  update: ['UPDATE'],
  delete: ['DELETE'],
  truncate: ['TRUNCATE'],
  '*': ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE'],
}

export interface RoleProvisionerOptions {
  resource: PostgresResourceConfig
  adminPassword: string | undefined
  logger: Logger
}

export function roleNameFor(grantId: string): string {
  return `tg_${grantId.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63)
}

const ident = (name: string): string => `"${name.replaceAll('"', '""')}"`
const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`

export class RoleProvisioner implements GrantProvisioner {
  readonly #o: RoleProvisionerOptions
  readonly #passwords = new Map<string, string>()

  constructor(options: RoleProvisionerOptions) {
    this.#o = options
  }

  async provision(grant: Grant): Promise<void> {
    const role = roleNameFor(grant.id)
    const password = randomBytes(24).toString('base64url')
    const validUntil = grant.expiresAt ?? new Date(Date.now() + grant.ttlSeconds * 1000)
    const [main, ...others] = this.#databases()
    await this.#withAdmin(main!, async (db) => {
      const statements = [
        `CREATE ROLE ${ident(role)} LOGIN NOINHERIT PASSWORD ${literal(await postgresVerifier(password))} VALID UNTIL ${literal(validUntil.toISOString())}`,
        ...(await grantStatements(db, grant, role, main!)),
      ]
      if (isReadOnlyScope(grant.scope)) {
        statements.push(`ALTER ROLE ${ident(role)} SET default_transaction_read_only = on`)
      }
      await inTransaction(db, statements)
    })
    // Table privileges are per database: the same scope in each database the resource lets clients name.
    for (const database of others)
      await this.#withAdmin(database, async (db) =>
        inTransaction(db, await grantStatements(db, grant, role, database)),
      )
    this.#passwords.set(grant.id, password)
    this.#o.logger.info({ grant: grant.id, role }, 'ephemeral role provisioned')
  }

  async deprovision(grant: Grant): Promise<void> {
    const role = roleNameFor(grant.id)
    this.#passwords.delete(grant.id)
    const [main, ...others] = this.#databases()
    const dropOwned = async (db: pg.Client): Promise<boolean> => {
      const exists = await db.query('SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1', [role])
      if (exists.rowCount === 0) return false
      await db.query(`REASSIGN OWNED BY ${ident(role)} TO ${ident(this.#o.resource.admin!.user)}`)
      await db.query(`DROP OWNED BY ${ident(role)}`)
      return true
    }
    await this.#withAdmin(main!, (db) =>
      db.query(
        'SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity WHERE usename = $1',
        [role],
      ),
    )
    // What the role owns or was granted in each database goes before the role can.
    for (const database of others) await this.#withAdmin(database, dropOwned)
    await this.#withAdmin(main!, async (db) => {
      if (await dropOwned(db)) await db.query(`DROP ROLE IF EXISTS ${ident(role)}`)
    })
    this.#o.logger.info({ grant: grant.id, role }, 'ephemeral role dropped')
  }

  #databases(): string[] {
    const { target, databases } = this.#o.resource
    return [target.database, ...databases.filter((d) => d !== target.database)]
  }

  /** Grants whose role exists on the target (role names are `tg_` + the grant id, see roleNameFor). */
  async provisionedGrantIds(): Promise<string[]> {
    const roles = await this.#withAdmin(this.#o.resource.target.database, (db) =>
      db.query<{ rolname: string }>("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE 'tg\\_%'"),
    )
    return roles.rows.map((r) => r.rolname.slice('tg_'.length))
  }

  /** How sessions of this grant log in upstream. */
  async loginFor(grant: Grant): Promise<UpstreamLogin> {
    const role = roleNameFor(grant.id)
    let password = this.#passwords.get(grant.id)
    if (password === undefined) {
      password = randomBytes(24).toString('base64url')
      const verifier = await postgresVerifier(password)
      const result = await this.#withAdmin(this.#o.resource.target.database, (db) =>
        db.query(`ALTER ROLE ${ident(role)} PASSWORD ${literal(verifier)}`).then(
          () => true,
          () => false,
        ),
      )
      if (!result) {
        throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
          detail: `ephemeral role ${role} is missing on the target`,
        })
      }
      this.#passwords.set(grant.id, password)
    }
    return { user: role, password }
  }

  async #withAdmin<T>(database: string, work: (db: pg.Client) => Promise<T>): Promise<T> {
    const { target, admin } = this.#o.resource
    const db = new pg.Client({
      host: target.host,
      port: target.port,
      database,
      user: admin!.user,
      password: this.#o.adminPassword,
      ssl:
        target.tls === 'require' || target.tls === 'verify-full'
          ? { rejectUnauthorized: target.tls === 'verify-full' }
          : false,
    })
    db.on('error', () => {})
    try {
      await db.connect()
    } catch (error) {
      throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
        detail: `admin login failed: ${String(error)}`,
        cause: error,
      })
    }
    try {
      return await work(db)
    } finally {
      await db.end().catch(() => {})
    }
  }
}

/** CONNECT on `database` and the scope's table privileges on the tables that exist in it now. */
async function grantStatements(
  db: pg.Client,
  grant: Grant,
  role: string,
  database: string,
): Promise<string[]> {
  const tables = await db.query<{ schema: string; name: string }>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`,
  )
  const statements = [`GRANT CONNECT ON DATABASE ${ident(database)} TO ${ident(role)}`]
  const schemas = new Set<string>()
  for (const entry of grant.scope) {
    const privileges = PRIVILEGE_BY_VERB[entry.verb]
    if (!privileges) continue // verbs with no table privilege (e.g. ddl) are enforced by the gateway alone
    for (const t of tables.rows) {
      const qualified = `${t.schema}.${t.name}`.toLowerCase()
      const matches =
        objectMatches(entry.object, qualified) ||
        (t.schema === 'public' && objectMatches(entry.object, t.name.toLowerCase()))
      if (!matches) continue
      schemas.add(t.schema)
      statements.push(
        `GRANT ${privileges.join(', ')} ON TABLE ${ident(t.schema)}.${ident(t.name)} TO ${ident(role)}`,
      )
      if (privileges.includes('INSERT') || privileges.includes('UPDATE')) {
        statements.push(...(await sequenceGrants(db, t.schema, t.name, role)))
      }
    }
  }
  for (const schema of schemas) statements.push(`GRANT USAGE ON SCHEMA ${ident(schema)} TO ${ident(role)}`)
  return statements
}

async function inTransaction(db: pg.Client, statements: readonly string[]): Promise<void> {
  await db.query('BEGIN')
  try {
    for (const sql of statements) await db.query(sql)
    await db.query('COMMIT')
  } catch (error) {
    await db.query('ROLLBACK').catch(() => {})
    throw error
  }
}

/** Sequences a table's serial/identity columns draw from: INSERT needs USAGE on them. */
async function sequenceGrants(db: pg.Client, schema: string, table: string, role: string): Promise<string[]> {
  const seqs = await db.query<{ schema: string; name: string }>(
    `SELECT sn.nspname AS schema, s.relname AS name FROM pg_catalog.pg_depend d
       JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
       JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
       JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
       JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
      WHERE d.deptype IN ('a', 'i') AND tn.nspname = $1 AND t.relname = $2`,
    [schema, table],
  )
  return seqs.rows.map((s) => `GRANT USAGE ON SEQUENCE ${ident(s.schema)}.${ident(s.name)} TO ${ident(role)}`)
}

// The PostgreSQL resource kind as data: its configuration, scope verbs and client environment. The engine is
// protocols/postgres/ (its implicit scope is registered by the engine at start).
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import { z } from 'zod'
import { duration, resourceListen, secretRef, tlsFiles } from '../config/schema-parts.ts'
import type { ResourceKind } from './resource-kind.ts'

export const postgresResourceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes'),
  kind: z.literal('postgres'),
  description: z.string().default(''),
  listen: resourceListen.describe('where clients (psql, drivers) connect to reach this resource'),
  target: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(5432),
      database: z.string().min(1),
      user: z.string().min(1).describe('upstream account used for sessions when no admin is configured'),
      password: secretRef.optional(),
      tls: z.enum(['disable', 'prefer', 'require', 'verify-full']).default('prefer'),
      caFile: z.string().optional(),
      loginTimeout: duration
        .default('10s')
        .describe(
          'how long an upstream login (connect, TLS, authentication) may take before the client is refused with the target named as unavailable; raise it for a target that is slow to start backends under load',
        ),
    })
    .describe('the real database'),
  databases: z
    .array(z.string().min(1).max(63))
    .max(64)
    .default([])
    .describe(
      "other databases on the same target a client may name instead of target.database; the same grant and rules apply in each (scopes name schema.table, not the database); any other name is refused with 3D000. With `admin`, each grant's role gets its privileges in every one of them",
    ),
  admin: z
    .strictObject({
      user: z.string().min(1),
      password: secretRef.optional(),
    })
    .optional()
    .describe(
      'an account allowed to CREATE ROLE: each grant then gets an ephemeral role with exactly its privileges',
    ),
  tls: tlsFiles
    .optional()
    .describe(
      'certificate for clients; when absent one is generated once and kept in <store.dir>/tls/<id>.crt/.key (0600), and every credential carries it so clients can verify the listener (MCP does)',
    ),
  clients: z
    .strictObject({
      authMethod: z
        .enum(['scram-sha-256', 'password'])
        .default('scram-sha-256')
        .describe('how clients prove the grant credential; `password` (cleartext) is accepted only over TLS'),
      requireTls: z.boolean().default(false).describe('refuse clients that do not use TLS (sslmode=require)'),
      maxMessageBytes: z
        .number()
        .int()
        .min(1024)
        .max(1024 * 1024 * 1024)
        .default(64 * 1024 * 1024)
        .describe(
          'largest client message accepted (the protocol allows 1 GiB); a larger one is refused with FATAL 08P01 and the connection closed',
        ),
      incompleteMessageTimeout: duration
        .default('60s')
        .describe(
          'a message must arrive whole within this long of its first bytes, or the connection is closed (FATAL 08P01): a client stalling inside a large message holds its buffer',
        ),
      maxStatementBytes: z
        .number()
        .int()
        .min(1024)
        .max(1024 * 1024 * 1024)
        .default(1024 * 1024)
        .describe(
          'longest statement text (a query string, a Parse) the gateway classifies; a longer one is refused with 54000 before parsing (parsing costs about 1 s of the gateway per MB). Bulk loads belong in COPY, which streams',
        ),
      maxStatementsPerQuery: z
        .number()
        .int()
        .min(1)
        .default(10_000)
        .describe('most statements one query string may hold; more are refused with 54000'),
    })
    .default({
      authMethod: 'scram-sha-256',
      requireTls: false,
      maxMessageBytes: 64 * 1024 * 1024,
      incompleteMessageTimeout: '60s',
      maxStatementBytes: 1024 * 1024,
      maxStatementsPerQuery: 10_000,
    })
    .describe('how clients connect to this resource'),
})

/** The verbs protocols/postgres/classify*.ts emits (a test there keeps the two in step). */
const POSTGRES_SCOPE_VERBS = [
  'select',
  'insert',
  'update',
  'delete',
  'truncate',
  'references',
  'create',
  'alter',
  'drop',
  'execute',
  'grant',
  'role',
  'set',
  'show',
  'transaction',
  'discard',
  'listen',
  'notify',
  'unlisten',
  'vacuum',
  'analyze',
  'declare',
  'fetch',
  'close',
  'deallocate',
]

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`

// RFC 7677's 4096 rounds: pgjdbc (its SCRAM library) refuses fewer.
const SCRAM_ITERATIONS = 4096

/** A SCRAM-SHA-256 verifier (RFC 5802) in PostgreSQL's own rolpassword form,
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64), which protocols/postgres/scram.ts
 * checks a client's proof against: the clear password is never stored. */
function scramSha256(password: string): string {
  const salt = randomBytes(16)
  const salted = pbkdf2Sync(password, salt, SCRAM_ITERATIONS, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest('base64')
  const serverKey = createHmac('sha256', salted).update('Server Key').digest('base64')
  return `SCRAM-SHA-256$${SCRAM_ITERATIONS}:${salt.toString('base64')}$${storedKey}:${serverKey}`
}

export const postgresKind: ResourceKind = {
  name: 'postgres',
  scopeVerbs: POSTGRES_SCOPE_VERBS,
  defaultGuardrails: [],
  credentialVerifiers: (password) => ({ scramSha256: scramSha256(password) }),
  client: {
    /** The PG* variables libpq clients read (postgresql.org/docs/current/libpq-envars.html). */
    environment: (c) => ({
      PGHOST: c.host,
      PGPORT: String(c.port),
      PGUSER: c.user,
      PGPASSWORD: c.password,
      ...(c.database ? { PGDATABASE: c.database } : {}),
    }),
    argumentsFor: () => [],
    commandLine: (c) =>
      `psql -h ${c.host} -p ${c.port} -U ${shellQuote(c.user)}${c.database ? ` -d ${shellQuote(c.database)}` : ''}`,
  },
}

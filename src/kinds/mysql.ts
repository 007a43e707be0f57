// The MySQL / MariaDB resource kind as data: its configuration, scope verbs, built-in guardrails and client
// environment. The engine is protocols/mysql/.
import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import { z } from 'zod'
import { duration, resourceListen, secretRef, tlsFiles } from '../config/schema-parts.ts'
import type { ResourceKind } from './resource-kind.ts'

export const mysqlResourceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes'),
  kind: z.literal('mysql'),
  description: z.string().default(''),
  listen: resourceListen.describe('where clients (mysql, mariadb, drivers) connect to reach this resource'),
  target: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(3306),
      user: z
        .string()
        .min(1)
        .max(80)
        .describe(
          'upstream account used for sessions when no admin is configured; also the account the gateway learns the server version with',
        ),
      password: secretRef.optional(),
      database: z
        .string()
        .min(1)
        .max(64)
        .optional()
        .describe('the database clients are given by `taskgate grant env` / `connect` (MYSQL_DATABASE)'),
      tls: z.enum(['disable', 'prefer', 'require', 'verify-full']).default('prefer'),
      caFile: z.string().optional().describe('PEM file of the CA that signed the server certificate'),
    })
    .describe('the real MySQL or MariaDB server'),
  admin: z
    .strictObject({
      user: z.string().min(1),
      password: secretRef.optional(),
      accountHost: z
        .string()
        .regex(/^[A-Za-z0-9.%_:-]+$/, 'expected a host name, an address or a % pattern')
        .default('%')
        .describe('host part of every ephemeral account: the address the gateway connects from'),
      maxConnections: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(20)
        .describe('MAX_USER_CONNECTIONS of each ephemeral account'),
    })
    .optional()
    .describe(
      'an account allowed to CREATE USER, GRANT and KILL: each grant then gets an ephemeral account with exactly its privileges, dropped (and its connections killed) when the grant ends',
    ),
  tls: tlsFiles
    .optional()
    .describe(
      'certificate for clients; when absent one is generated once and kept in <store.dir>/tls/<id>.crt/.key (0600), and every credential carries it so clients can verify the listener (MCP does)',
    ),
  clients: z
    .strictObject({
      requireTls: z.boolean().default(false).describe('refuse clients that do not use TLS (--ssl)'),
      maxPacketBytes: z
        .number()
        .int()
        .min(1024)
        .max(1024 * 1024 * 1024)
        .default(64 * 1024 * 1024)
        .describe(
          "largest client packet accepted, a payload split over several 16 MiB packets counting as one (the gateway's max_allowed_packet; the protocol allows 1 GiB); a larger one is refused with ERROR 1153 (08S01) and the connection closed",
        ),
      incompletePacketTimeout: duration
        .default('60s')
        .describe(
          'a packet must arrive whole within this long of its first bytes, or the connection is closed (ERROR 1835, 08S01): a client stalling inside a large packet holds its buffer',
        ),
      maxStatementBytes: z
        .number()
        .int()
        .min(1024)
        .max(1024 * 1024 * 1024)
        .default(1024 * 1024)
        .describe(
          'longest statement text (COM_QUERY, COM_STMT_PREPARE) the gateway classifies; a longer one is refused with ERROR 1105 (HY000) before parsing, the session going on (parsing costs about 1-2 s of the gateway per MB). Long values belong in prepared-statement parameters, which are not parsed',
        ),
      maxStatementsPerQuery: z
        .number()
        .int()
        .min(1)
        .default(1_000)
        .describe(
          "most statements one COM_QUERY may hold under CLIENT_MULTI_STATEMENTS; more are refused with ERROR 1105 (HY000). Lower than PostgreSQL's: each statement here is decided and recorded on its own",
        ),
      maxPreparedStatements: z
        .number()
        .int()
        .min(1)
        .max(1_048_576)
        .default(1024)
        .describe(
          'prepared statements one session may hold open at once; one more COM_STMT_PREPARE is refused with ERROR 1461 (42000), as the server refuses past max_prepared_stmt_count',
        ),
    })
    .default({
      requireTls: false,
      maxPacketBytes: 64 * 1024 * 1024,
      incompletePacketTimeout: '60s',
      maxStatementBytes: 1024 * 1024,
      maxStatementsPerQuery: 1_000,
      maxPreparedStatements: 1024,
    })
    .describe('how clients connect to this resource, and what one client may ask of the gateway'),
})

/** Every verb the MySQL classifier emits (protocols/mysql/classify-statements.ts). */
export const MYSQL_SCOPE_VERBS = [
  'select',
  'insert',
  'update',
  'delete',
  'truncate',
  'create',
  'alter',
  'drop',
  'execute',
  'grant',
  'set',
  'show',
  'transaction',
  'deallocate',
  'kill',
  'flush',
  'lock',
]

/** The command-line clients `taskgate connect` gives the user name as an argument: they read none from the
 * environment (MYSQL_USER is a convention of scripts and images, not of the client). */
const MYSQL_CLIENTS = new Set([
  'mysql',
  'mariadb',
  'mysqldump',
  'mariadb-dump',
  'mysqladmin',
  'mariadb-admin',
])

const twice = (algorithm: string, password: string): string =>
  createHash(algorithm).update(createHash(algorithm).update(password, 'utf8').digest()).digest('hex')

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`

export const mysqlKind: ResourceKind = {
  name: 'mysql',
  scopeVerbs: MYSQL_SCOPE_VERBS,
  defaultGuardrails: [
    {
      id: 'no-handler',
      description: 'HANDLER reads tables outside the statements the gateway classifies and masks',
      action: 'deny',
      traits: ['handler'],
    },
    {
      id: 'no-client-files',
      description: 'LOAD DATA LOCAL INFILE sends files from the client machine; it is never allowed',
      action: 'deny',
      traits: ['client-file'],
    },
    {
      id: 'no-explain-analyze',
      description: 'EXPLAIN ANALYZE / ANALYZE runs the statement it explains, outside its own decision',
      action: 'deny',
      traits: ['explain-analyze'],
    },
    {
      id: 'no-sql-mode-change',
      description:
        'changing sql_mode changes where strings end for the gateway (ANSI_QUOTES, NO_BACKSLASH_ESCAPES); switch this rule off to allow it with set:sql_mode',
      action: 'deny',
      traits: ['sql-mode-change'],
    },
  ],
  /** What mysql_native_password and caching_sha2_password's fast path check a scramble against:
   * SHA1(SHA1(pw)) and SHA256(SHA256(pw)) (protocols/mysql/auth-scramble.ts `mysqlVerifiers`, hex here). */
  credentialVerifiers: (password) => ({
    mysqlNativePassword: twice('sha1', password),
    cachingSha2Password: twice('sha256', password),
  }),
  client: {
    /** Variables the mysql/mariadb clients read (MYSQL_HOST, MYSQL_TCP_PORT, MYSQL_PWD), plus MYSQL_USER and
     * MYSQL_DATABASE for scripts. */
    environment: (c) => ({
      MYSQL_HOST: c.host,
      MYSQL_TCP_PORT: String(c.port),
      MYSQL_USER: c.user,
      MYSQL_PWD: c.password,
      ...(c.database ? { MYSQL_DATABASE: c.database } : {}),
    }),
    argumentsFor: (client, c) =>
      MYSQL_CLIENTS.has(basename(client))
        ? [`--user=${c.user}`, '--protocol=TCP', ...(c.database ? [`--database=${c.database}`] : [])]
        : [],
    commandLine: (c) =>
      `mysql -h ${c.host} -P ${c.port} --protocol=TCP -u ${shellQuote(c.user)}${c.database ? ` -D ${shellQuote(c.database)}` : ''}`,
  },
}

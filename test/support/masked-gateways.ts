// The masking regressions' shared setup: a gateway with one column rule and an agent's client under a grant.
// PostgreSQL: rule `ssn-numbers` (partial) on `ssn` of app.customers (id, name, ssn: ann 987-65-4321, bob
// 123-45-6789), the grant `*:app.*`; MySQL: rule `hide-email` (redact)
// on `email` over the fixture's `customers`, the grant the test names.
import type mysql from 'mysql2/promise'
import pg from 'pg'
import type { IssuedCredential } from '../../src/core/index.ts'
import { type PostgresGateway, startPostgresGateway } from './start-gateway.ts'
import { type MysqlGateway, startMysqlGateway } from './start-mysql-gateway.ts'

export interface MaskedPostgres extends AsyncDisposable {
  gw: PostgresGateway
  client: pg.Client
}

const CUSTOMERS = `CREATE SCHEMA app;
  CREATE TABLE app.customers (id int PRIMARY KEY, name text, ssn text);
  INSERT INTO app.customers VALUES (1, 'ann', '987-65-4321'), (2, 'bob', '123-45-6789');`

/** `moreSql` runs on the target after app.customers is made; the client is connected. */
export async function startMaskedPostgres(moreSql: string, task: string): Promise<MaskedPostgres> {
  const gw = await startPostgresGateway({
    setupSql: `${CUSTOMERS}\n${moreSql}`,
    extraConfig: `masking:
  rules:
    - id: ssn-numbers
      style: partial
      columns: [ssn]
`,
  })
  const { credential } = await gw.core.requestGrant(gw.agent, {
    resourceId: gw.resource.id,
    scope: '*:app.*',
    task,
    ttl: '10m',
  })
  const client = new pg.Client({ connectionString: gw.url(credential as IssuedCredential) })
  await client.connect()
  return {
    gw,
    client,
    async [Symbol.asyncDispose]() {
      await client.end().catch(() => {})
      await gw[Symbol.asyncDispose]()
    },
  }
}

export interface MaskedMysql extends AsyncDisposable {
  g: MysqlGateway
  c: mysql.Connection
}

/** `setup` runs as root on the target (with the fixture's database) before the agent connects. */
export async function startMaskedMysql(
  scope: string,
  setup?: (root: mysql.Connection, database: string) => Promise<void>,
): Promise<MaskedMysql> {
  const g = await startMysqlGateway({
    extraConfig: `
masking:
  rules:
    - { id: hide-email, columns: [email], style: redact }
`,
  })
  if (setup) {
    const root = await g.root()
    await setup(root, g.database)
    await root.end()
  }
  const c = await g.connect((await g.grant(scope)).credential)
  return {
    g,
    c,
    async [Symbol.asyncDispose]() {
      await c.end().catch(() => {})
      await g[Symbol.asyncDispose]()
    },
  }
}

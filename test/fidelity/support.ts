// The fidelity suite's harness: one throwaway database with the same fixture, reached directly (as the
// gateway's own upstream account) and through a gateway under a `*:*` grant. Each check runs both ways and
// must give the same result; a difference is a test failure unless the check is listed as a policy denial.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { run } from '../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

export interface Endpoint {
  host: string
  port: number
  user: string
  password: string | undefined
  database: string
}

export const FIXTURE_SQL = `
  CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, price numeric(12, 2), data jsonb, tags text[],
    at timestamptz, raw bytea, uid uuid, span interval);
  INSERT INTO items VALUES
    (1, 'one', 1.50, '{"a": 1}', '{x,y}', '2024-02-29 12:34:56.789+01', '\\x00ff10', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '1 day 02:03:04'),
    (2, 'two', 99999.99, '[1, "two", null]', '{}', '1999-12-31 23:59:59+00', '', '00000000-0000-0000-0000-000000000000', '-1 mons'),
    (3, 'three', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  CREATE TABLE sink (id int, v text);
  CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 50000) g;`

export interface Sides {
  direct: Endpoint
  gateway: Endpoint
  gw: PostgresGateway
}

/** The gateway and the fixture, started once for the file on first use and disposed after it. */
export function fidelitySides(): () => Promise<Sides> {
  let starting: Promise<Sides> | undefined
  after(async () => {
    if (starting) await (await starting).gw[Symbol.asyncDispose]()
  })
  return () => {
    starting ??= (async () => {
      const gw = await startPostgresGateway({ setupSql: FIXTURE_SQL })
      const { credential } = await gw.grant('*:*', { ttl: '30m' })
      const direct = {
        host: gw.db.host,
        port: gw.db.port,
        user: gw.db.user,
        password: undefined,
        database: gw.db.name,
      }
      const gateway = {
        host: gw.host,
        port: gw.port,
        user: credential.username,
        password: credential.password,
        database: gw.resource.target.database,
      }
      return { gw, direct, gateway }
    })()
    return starting
  }
}

export type Check = (endpoint: Endpoint, side: 'direct' | 'gateway') => Promise<unknown>

/** One test per check: the same result directly and through the gateway. */
export function compareChecks(sides: () => Promise<Sides>, checks: Record<string, Check>): void {
  for (const [name, check] of Object.entries(checks)) {
    test(name, async () => {
      const { direct, gateway } = await sides()
      const expected = await check(direct, 'direct')
      const actual = await check(gateway, 'gateway')
      // FIDELITY_SHOW=1 prints what both sides gave, to see that a check tests something.
      if (process.env.FIDELITY_SHOW) console.log(name, JSON.stringify(expected))
      assert.deepEqual(actual, expected)
    })
  }
}

/** Compares results a child process (a Python or Java driver) printed as JSON, one test per check. */
export function compareReports(
  names: readonly string[],
  reports: () => { direct: Record<string, unknown>; gateway: Record<string, unknown> },
): void {
  for (const name of names) {
    test(name, () => {
      const { direct, gateway } = reports()
      assert.ok(name in direct, `the direct run reported no ${name}: ${JSON.stringify(direct.__error ?? '')}`)
      // A check that throws directly tests nothing: the fixture or the check is wrong.
      assert.ok(!JSON.stringify(direct[name]).startsWith('{"exception"'), JSON.stringify(direct[name]))
      assert.deepEqual(gateway[name], direct[name])
    })
  }
}

/** How to run a driver's check program against one endpoint; it prints its report as JSON. */
export interface DriverCommand {
  command: string
  args: string[]
  timeoutMs: number
}

/** Runs a driver's check program directly and through the gateway, then compares the reports, one test a check. */
export function compareDriverReports(
  names: readonly string[],
  commandFor: (e: Endpoint) => DriverCommand,
): void {
  const sides = fidelitySides()
  let reports: { direct: Record<string, unknown>; gateway: Record<string, unknown> } | undefined
  const report = async (e: Endpoint): Promise<Record<string, unknown>> => {
    const { command, args, timeoutMs } = commandFor(e)
    const r = await run(command, args, { PATH: process.env.PATH }, { timeoutMs })
    if (r.code !== 0) return { __error: r.stderr }
    return JSON.parse(r.stdout) as Record<string, unknown>
  }
  before(async () => {
    const { direct, gateway } = await sides()
    reports = { direct: await report(direct), gateway: await report(gateway) }
  })
  compareReports(names, () => reports!)
}

/** What a check saw: `{ ok: result }`, or the fields the driver exposes for the error it raised. */
export async function outcomeOf<E>(
  run: Promise<unknown>,
  errorFields: (error: E) => Record<string, unknown>,
): Promise<unknown> {
  try {
    return { ok: await run }
  } catch (error) {
    return errorFields(error as E)
  }
}

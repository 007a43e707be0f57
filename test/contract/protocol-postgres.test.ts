// The protocol contract against the PostgreSQL engine: a gateway in front of a throwaway database, node-postgres.
import pg from 'pg'
import { startPostgresGateway } from '../support/start-gateway.ts'
import {
  type EngineSetup,
  type EngineUnderTest,
  type NativeError,
  runProtocolContract,
  runProtocolContractHoldsAndMasking,
} from './protocol.contract.ts'

const native = (error: unknown): NativeError => {
  const e = error as { code?: string; message?: string; detail?: string; hint?: string }
  return {
    code: e.code ?? '',
    text: [e.message, e.detail, e.hint].filter(Boolean).join('\n') || String(error),
  }
}

async function startPostgresEngine(setup: EngineSetup = {}): Promise<EngineUnderTest> {
  const g = await startPostgresGateway({
    ...(setup.extraConfig ? { extraConfig: setup.extraConfig.replaceAll('$TABLE', 'public.customers') } : {}),
    ...(setup.targetPassword ? { targetPassword: setup.targetPassword } : {}),
    setupSql:
      'CREATE TABLE public.customers (id int PRIMARY KEY, name text); INSERT INTO public.customers VALUES (1, $$Ada$$)',
  })
  const opened: pg.Client[] = []
  const connect = async (url: string) => {
    const c = new pg.Client({ connectionString: url })
    c.on('error', () => {})
    await c.connect()
    opened.push(c)
    return c
  }
  return {
    core: g.core,
    agent: g.agent,
    deniedCode: '42501',
    table: { sql: 'public.customers', object: 'public.customers' },
    secretStatement: (secret) => `ALTER ROLE current_user PASSWORD '${secret}'`,
    credentialProbes: [
      'SELECT rolname, rolpassword FROM pg_authid',
      'SELECT usename, passwd FROM pg_shadow',
      "SELECT current_setting('password_encryption')",
    ],
    // A SCRAM verifier cannot be recomputed without its salt: its prefix stands for any stored form.
    storedForms: () => ['SCRAM-SHA-256$'],
    async grant(scope) {
      const { grant, credential } = await g.grant(scope)
      return { grantId: grant.id, credential }
    },
    async query(credential, sql) {
      const c = await connect(g.url(credential, 'sslmode=disable'))
      try {
        return (await c.query(sql)).rows
      } catch (error) {
        throw native(error)
      } finally {
        await c.end().catch(() => {})
      }
    },
    async open(credential) {
      const c = await connect(g.url(credential, 'sslmode=disable'))
      const closed = new Promise<void>((resolve) => c.on('end', () => resolve()))
      return {
        query: async (sql) => (await c.query(sql)).rows,
        closed,
        close: async () => {
          await c.end()
        },
      }
    },
    async [Symbol.asyncDispose]() {
      for (const c of opened) await c.end().catch(() => {})
      await g[Symbol.asyncDispose]()
    },
  }
}

runProtocolContract('postgres', startPostgresEngine)
runProtocolContractHoldsAndMasking('postgres', startPostgresEngine)

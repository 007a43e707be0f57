// The protocol contract against the MySQL engine: a real gateway in front of the machine's MariaDB, mysql2.
import { createHash } from 'node:crypto'
import type mysql from 'mysql2/promise'
import { startMysqlGateway } from '../support/start-mysql-gateway.ts'
import {
  type EngineSetup,
  type EngineUnderTest,
  type NativeError,
  runProtocolContract,
  runProtocolContractHoldsAndMasking,
} from './protocol.contract.ts'

const native = (error: unknown): NativeError => {
  const e = error as { errno?: number; message?: string }
  return { code: String(e.errno ?? ''), text: e.message ?? String(error) }
}

const sha1 = (data: Buffer): Buffer => createHash('sha1').update(data).digest()

async function startMysqlEngine(setup: EngineSetup = {}): Promise<EngineUnderTest> {
  const g = await startMysqlGateway({
    ...(setup.extraConfig ? { extraConfig: setup.extraConfig.replaceAll('$TABLE', '$DB.customers') } : {}),
    ...(setup.targetPassword ? { targetPassword: setup.targetPassword } : {}),
  })
  const opened: mysql.Connection[] = []
  return {
    core: g.gateway.core,
    agent: g.agent,
    deniedCode: '1142',
    table: { sql: 'customers', object: `${g.database}.customers` },
    secretStatement: (secret) => `SET PASSWORD = PASSWORD('${secret}')`,
    credentialProbes: [
      'SHOW GRANTS',
      'SHOW GRANTS FOR CURRENT_USER()',
      'SELECT user, host, authentication_string, password FROM mysql.user',
      'SELECT * FROM mysql.global_priv',
      'SELECT PASSWORD(1)',
    ],
    // mysql_native_password's stored form: '*' and SHA1(SHA1(password)) in upper-case hex.
    storedForms: (password) => [
      `*${sha1(sha1(Buffer.from(password)))
        .toString('hex')
        .toUpperCase()}`,
      sha1(sha1(Buffer.from(password))).toString('hex'),
    ],
    async grant(scope) {
      const { grant, credential } = await g.grant(scope)
      return { grantId: grant.id, credential }
    },
    async query(credential, sql) {
      const c = await g.connect(credential)
      opened.push(c)
      try {
        const [rows] = await c.query(sql)
        return rows
      } catch (error) {
        throw native(error)
      } finally {
        await c.end().catch(() => {})
      }
    },
    async open(credential) {
      const c = await g.connect(credential)
      opened.push(c)
      const closed = new Promise<void>((resolve) => {
        c.on('end', () => resolve())
        c.on('error', () => resolve())
      })
      return {
        query: async (sql) => (await c.query(sql))[0],
        closed,
        close: async () => c.destroy(),
      }
    },
    async [Symbol.asyncDispose]() {
      for (const c of opened) c.destroy()
      await g[Symbol.asyncDispose]()
    },
  }
}

runProtocolContract('mysql', startMysqlEngine)
runProtocolContractHoldsAndMasking('mysql', startMysqlEngine)

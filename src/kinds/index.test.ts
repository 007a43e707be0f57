import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText } from '../config/load.ts'
import { configSchema } from '../config/schema.ts'
import { RESOURCE_KINDS, resourceKind, SCOPE_OBJECT_MATCHERS } from './index.ts'

const connection = { host: '127.0.0.1', port: 6543, user: 'g1_1', password: 'tgc_x', database: 'app' }

test('every registered kind is a resource kind the configuration accepts', () => {
  for (const kind of RESOURCE_KINDS.values()) {
    assert.ok(kind.scopeVerbs.length > 0, kind.name)
    const { error } = configSchema.safeParse({ resources: [{ id: 'r', kind: kind.name }] })
    // The resource is incomplete, but its kind is known: the problems are about its own fields.
    assert.ok(
      error?.issues.every((i) => i.path.join('.') !== 'resources.0.kind'),
      kind.name,
    )
  }
  assert.throws(() => resourceKind('ldap'), /unregistered resource kind ldap/)
})

test('postgres: the PG* variables libpq reads, a psql command line, no extra client arguments', () => {
  const kind = resourceKind('postgres')
  assert.deepEqual(kind.client.environment(connection), {
    PGHOST: '127.0.0.1',
    PGPORT: '6543',
    PGUSER: 'g1_1',
    PGPASSWORD: 'tgc_x',
    PGDATABASE: 'app',
  })
  assert.deepEqual(kind.client.argumentsFor('psql', connection), [])
  assert.equal(kind.client.commandLine(connection), "psql -h 127.0.0.1 -p 6543 -U 'g1_1' -d 'app'")
})

test('mysql: MYSQL_* variables, the user as an argument for the mysql/mariadb clients only, a mysql command line', () => {
  const kind = resourceKind('mysql')
  assert.deepEqual(kind.client.environment(connection), {
    MYSQL_HOST: '127.0.0.1',
    MYSQL_TCP_PORT: '6543',
    MYSQL_USER: 'g1_1',
    MYSQL_PWD: 'tgc_x',
    MYSQL_DATABASE: 'app',
  })
  assert.deepEqual(kind.client.argumentsFor('/usr/bin/mariadb', connection), [
    '--user=g1_1',
    '--protocol=TCP',
    '--database=app',
  ])
  assert.deepEqual(kind.client.argumentsFor('python3', connection), [])
  assert.equal(
    kind.client.commandLine(connection),
    "mysql -h 127.0.0.1 -P 6543 --protocol=TCP -u 'g1_1' -D 'app'",
  )
})

const mysqlConfig = (target: string, extra = '') => `
resources:
  - id: shop
    kind: mysql
    listen: { host: 127.0.0.1, port: 3307 }
    target: ${target}
${extra}`

test('a mysql resource: its own fields validated with precise paths, its own scope verbs', () => {
  const config = parseConfigText(mysqlConfig('{ host: db, user: app }'), 'm.yaml')
  const shop = config.resources[0]!
  assert.equal(shop.kind, 'mysql')
  assert.deepEqual(shop.target, { host: 'db', port: 3306, user: 'app', tls: 'prefer' })
  assert.throws(
    () => parseConfigText(mysqlConfig('{ host: db, user: app, port: "x" }'), 'm.yaml'),
    /m\.yaml: resources\[0\]\.target\.port: expected number, got "x"/,
  )
  assert.throws(
    () =>
      parseConfigText(mysqlConfig('{ host: db, user: app, database: app }', '    databases: [a]'), 'm.yaml'),
    /resources\[0\]: unknown key "databases"/,
  )
  const verbs = (ceiling: string) =>
    parseConfigText(
      mysqlConfig(
        '{ host: db, user: app }',
        `policies:\n  - { group: g, resources: [shop], ceiling: ["${ceiling}"] }`,
      ),
      'm.yaml',
    )
  assert.doesNotThrow(() => verbs('kill:*'))
  assert.throws(() => verbs('vacuum:shop.*'), /unknown verb "vacuum" for mysql resources/)
})

test('every verb with its own object matcher is a scope verb of a registered kind', () => {
  const verbs = new Set([...RESOURCE_KINDS.values()].flatMap((kind) => kind.scopeVerbs))
  for (const verb of SCOPE_OBJECT_MATCHERS.keys()) assert.ok(verbs.has(verb), verb)
})

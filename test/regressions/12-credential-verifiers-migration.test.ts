// Issue 12: core knows no SCRAM. Migration 014 moves each stored credential's SCRAM-SHA-256 verifier from its
// own column into verifiers.postgres.scramSha256 (PostgreSQL's rolpassword form) on both stores, so a client
// holding a credential issued before the upgrade still logs in: the PostgreSQL front end parses exactly what
// the migration wrote.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { DatabaseSync } from 'node:sqlite'
import { test } from 'node:test'
import { parseScramVerifier } from '../../src/protocols/postgres/scram.ts'
import { readMigrations } from '../../src/store/migration-files.ts'
import { createThrowawayDatabase } from '../support/postgres.ts'

const dir = (store: string) => new URL(`../../src/store/${store}/migrations/`, import.meta.url).pathname
const OLD = 13
const scram = {
  iterations: 4096,
  salt: randomBytes(16).toString('base64'),
  storedKey: randomBytes(32).toString('base64'),
  serverKey: randomBytes(32).toString('base64'),
}
const mysql = { mysqlNativePassword: 'aa', cachingSha2Password: 'bb' }

function assertMoved(verifiers: Record<string, Record<string, string>>): void {
  assert.deepEqual(verifiers.mysql, mysql, 'other kinds keep theirs')
  assert.deepEqual(parseScramVerifier(verifiers.postgres?.scramSha256), scram)
}

test('embedded store: the SCRAM verifier moves into verifiers.postgres and its column goes', () => {
  const db = new DatabaseSync(':memory:')
  const migrations = readMigrations(dir('embedded'))
  for (const m of migrations.slice(0, OLD)) db.exec(m.sql)
  db.prepare(
    `INSERT INTO credentials (resource_id, username, grant_id, seq, secret_hash, scram, verifiers, expires_at,
     created_at) VALUES ('db', 'g1_1', 'g1', 1, 'h', ?, ?, 1, 1)`,
  ).run(JSON.stringify(scram), JSON.stringify({ mysql }))
  for (const m of migrations.slice(OLD)) db.exec(m.sql)
  const row = db.prepare('SELECT * FROM credentials').get() as Record<string, string>
  assert.equal('scram' in row, false)
  assertMoved(JSON.parse(row.verifiers!))
  db.close()
})

test('PostgreSQL store: the same', async () => {
  await using database = await createThrowawayDatabase('tg_migr')
  const migrations = readMigrations(dir('postgres'))
  await database.query('CREATE SCHEMA taskgate')
  for (const m of migrations.slice(0, OLD)) await database.query(m.sql)
  await database.query(
    `INSERT INTO taskgate.credentials (resource_id, username, grant_id, seq, secret_hash, scram, verifiers,
     expires_at, created_at) VALUES ('db', 'g1_1', 'g1', 1, 'h', $1, $2, now(), now())`,
    [JSON.stringify(scram), JSON.stringify({ mysql })],
  )
  for (const m of migrations.slice(OLD)) await database.query(m.sql)
  const { rows } = await database.query('SELECT * FROM taskgate.credentials')
  assert.equal('scram' in rows[0], false)
  assertMoved(rows[0].verifiers)
})

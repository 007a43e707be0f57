import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { hashEntry } from '../../src/core/audit/hash-chain.ts'
import { verifyChain } from '../../src/core/audit/verify-chain.ts'
import { openEmbeddedStore } from '../../src/store/embedded/index.ts'
import type { Store } from '../../src/store/store.ts'
import { runStoreContract } from './store.contract.ts'
import { makeAction, makeSession } from './store-contract/fixtures.ts'

async function tempStore() {
  const root = await mkdtemp(join(tmpdir(), 'taskgate-store-'))
  const dir = join(root, 'nested', 'data')
  const stores: Store[] = []
  const openOne = async () => {
    const store = await openEmbeddedStore({ dir })
    stores.push(store)
    return store
  }
  const store = await openOne()
  return {
    dir,
    store,
    openAnother: openOne,
    async [Symbol.asyncDispose]() {
      for (const s of stores) await s.close()
      await rm(root, { recursive: true, force: true })
    },
  }
}

runStoreContract({ name: 'embedded', open: tempStore, eventsAcrossInstances: false })

test('embedded: creates the directory and taskgate.db in WAL mode, with every migration recorded once', async () => {
  await using t = await tempStore()
  assert.equal(t.store.backend, 'embedded')
  const file = join(t.dir, 'taskgate.db')
  assert.ok(existsSync(file))
  const db = new DatabaseSync(file, { readOnly: true })
  try {
    assert.equal(db.prepare('PRAGMA journal_mode').get()!.journal_mode, 'wal')
    const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all()
    assert.deepEqual(
      versions.map((r) => r.version),
      // 1..N, one per migration file (not a literal list: every new migration would edit it).
      readdirSync(new URL('../../src/store/embedded/migrations/', import.meta.url))
        .filter((f) => f.endsWith('.sql'))
        .map((_, i) => i + 1),
    )
  } finally {
    db.close()
  }
})

test('embedded: reopening keeps the data and applies no migration twice', async () => {
  await using t = await tempStore()
  await t.store.audit.append({ type: 'gateway.started', actor: 'gateway' }, new Date(), () => 'h'.repeat(64))
  await t.store.close()
  const again = await t.openAnother()
  const [third] = await Promise.all([t.openAnother(), t.openAnother()])
  assert.equal((await again.audit.list({})).length, 1)
  assert.equal((await third.audit.list({})).length, 1)
})

test('embedded: a directory that cannot be created is TG_STORE_UNAVAILABLE', async () => {
  const root = await mkdtemp(join(tmpdir(), 'taskgate-store-'))
  try {
    const file = join(root, 'a-file')
    await import('node:fs/promises').then((fs) => fs.writeFile(file, ''))
    await assert.rejects(openEmbeddedStore({ dir: join(file, 'sub') }), { code: 'TG_STORE_UNAVAILABLE' })
  } finally {
    await rm(root, { recursive: true, force: true })
  }
})

test('embedded: two processes appending to one file keep one gapless chain (BEGIN IMMEDIATE)', async () => {
  await using t = await tempStore()
  const appender = `
    const { openEmbeddedStore } = await import(${JSON.stringify(new URL('../../src/store/embedded/index.ts', import.meta.url).href)})
    const { hashEntry } = await import(${JSON.stringify(new URL('../../src/core/audit/hash-chain.ts', import.meta.url).href)})
    const store = await openEmbeddedStore({ dir: process.argv[1] })
    for (let i = 0; i < 100; i++) await store.audit.append({ type: 'admin.action', actor: 'p' + process.pid }, new Date(), hashEntry)
    await store.close()`
  const run = () => promisify(execFile)(process.execPath, ['--input-type=module', '-e', appender, t.dir])
  await Promise.all([
    run(),
    run(),
    t.store.audit.append({ type: 'gateway.started', actor: 'parent' }, new Date(), hashEntry),
  ])
  const entries = await t.store.audit.list({ afterSeq: 0 })
  assert.equal(entries.length, 201)
  const fromChildren = entries.filter((e) => e.actor !== 'parent')
  assert.equal(new Set(fromChildren.map((e) => e.actor)).size, 2)
  assert.deepEqual(
    entries.map((e) => e.seq),
    Array.from({ length: 201 }, (_, i) => i + 1),
  )
  assert.deepEqual(verifyChain(entries), { ok: true, entries: 201 })
})

test('embedded: a batch stores final records as one row per session; the rest as a row each', async () => {
  await using t = await tempStore()
  const sessions = [makeSession(), makeSession()]
  for (const s of sessions) await t.store.sessions.insert(s)
  await t.store.sessions.appendActions([
    ...Array.from({ length: 200 }, (_, i) => ({
      ...makeAction(sessions[i % 2]!.id, i + 1),
      final: true as const,
    })),
    makeAction(sessions[0]!.id, 1000),
  ])
  const db = new DatabaseSync(join(t.dir, 'taskgate.db'), { readOnly: true })
  try {
    const count = (table: string) => Number(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()!.n)
    assert.equal(count('session_action_packs'), 2)
    assert.equal(count('session_actions'), 1)
  } finally {
    db.close()
  }
  assert.equal((await t.store.sessions.listActions(sessions[0]!.id)).length, 101)
})

test('embedded: a session final records of one batch are split into packs of bounded size, read back whole', async () => {
  await using t = await tempStore()
  const session = makeSession()
  await t.store.sessions.insert(session)
  // 1 MiB statements of control bytes, escaped six times in JSON: one pack of them all would be a 144 MiB
  // string (with 100 of them, 600 MiB: V8 refuses past ~512 MiB, and the batch would fail on every retry).
  // 24, not 100: the bound is what is checked, and 100 took 150 s on a loaded 2-core machine.
  const big = '\u0001'.repeat(1024 * 1024)
  const batch = Array.from({ length: 24 }, (_, i) => ({
    ...makeAction(session.id, i + 1),
    text: `SELECT '${big}' -- ${i + 1}`,
    final: true as const,
  }))
  await t.store.sessions.appendActions(batch)
  // Retried (it landed): the same packs again, not doubled.
  await t.store.sessions.appendActions(batch)
  const db = new DatabaseSync(join(t.dir, 'taskgate.db'), { readOnly: true })
  try {
    const longest = db
      .prepare('SELECT max(length(body)) AS n, count(*) AS c FROM session_action_packs')
      .get()!
    assert.ok(Number(longest.c) > 1)
    assert.ok(Number(longest.n) < 16 * 1024 * 1024, `a pack of ${longest.n} characters`)
  } finally {
    db.close()
  }
  const read = await t.store.sessions.listActions(session.id)
  assert.deepEqual(
    read.map((a) => a.seq),
    batch.map((a) => a.seq),
  )
  assert.ok(read.every((a, i) => a.text.endsWith(`-- ${i + 1}`) && a.text.length === batch[i]!.text.length))
  const page = await t.store.sessions.listActions(session.id, { afterSeq: 10, limit: 3 })
  assert.deepEqual(
    page.map((a) => a.seq),
    [11, 12, 13],
  )
  const [summary] = await t.store.sessions.list({})
  assert.equal(summary?.actionCount, 24)
})

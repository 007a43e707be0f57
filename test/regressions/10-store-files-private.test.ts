// Issue #10 item 10: data/taskgate.db and its WAL were 0644 in a 0755 directory, and they hold recordings
// and audit. The store now creates its directory 0700 and its files 0600, and a gateway finding them (or
// the keys) looser refuses to start, naming each path and the chmod to run.
import assert from 'node:assert/strict'
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { isTaskgateError } from '../../src/core/index.ts'
import { openEmbeddedStore } from '../../src/store/embedded/index.ts'

const modeOf = async (path: string) => (await stat(path)).mode & 0o777

test('the embedded store creates its files for its user only and refuses looser ones at start', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tg-perm-'))
  const previousUmask = process.umask(0o022)
  try {
    const dir = join(root, 'data')
    const db = join(dir, 'taskgate.db')
    const store = await openEmbeddedStore({ dir })
    await store.audit.list({})
    assert.equal(await modeOf(dir), 0o700)
    assert.equal(await modeOf(db), 0o600)
    assert.equal(await modeOf(`${db}-wal`), 0o600)
    await store.close()

    await chmod(db, 0o644)
    const refused = await openEmbeddedStore({ dir }).catch((e: unknown) => e)
    assert.ok(isTaskgateError(refused), String(refused))
    assert.equal(refused.code, 'TG_STORE_FILES_EXPOSED')
    assert.match(refused.message, new RegExp(`${db} is 644: run chmod 600 ${db}`))

    await chmod(db, 0o600)
    await chmod(dir, 0o755)
    const dirRefused = await openEmbeddedStore({ dir }).catch((e: unknown) => e)
    assert.ok(isTaskgateError(dirRefused) && dirRefused.code === 'TG_STORE_FILES_EXPOSED', String(dirRefused))
    assert.match(dirRefused.message, new RegExp(`${dir} is 755: run chmod 700 ${dir}`))

    await chmod(dir, 0o700)
    const reopened = await openEmbeddedStore({ dir })
    await reopened.close()
  } finally {
    process.umask(previousUmask)
    await rm(root, { recursive: true, force: true })
  }
})

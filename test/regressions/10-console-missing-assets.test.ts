// Issue #10 item 5: the console file server remembered every missing /assets/… path, so 100,000 requests
// for invented paths (no login needed) grew the process by 230 MB for good. Only files that exist are kept.
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createFileLoader } from '../../src/api/console/serve-console.ts'

test('distinct missing asset paths do not grow the console file cache', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tg-console-'))
  try {
    await mkdir(join(dir, 'assets'))
    await writeFile(join(dir, 'assets', 'app-1234.js'), 'console.log(1)')
    const loader = createFileLoader()
    for (let i = 0; i < 5000; i++)
      assert.equal(await loader.load(join(dir, 'assets', `missing-${i}.js`)), null)
    assert.equal(loader.size, 0)
    assert.equal(String(await loader.load(join(dir, 'assets', 'app-1234.js'))), 'console.log(1)')
    assert.equal(loader.size, 1)
    for (let i = 0; i < 300; i++) {
      await writeFile(join(dir, 'assets', `chunk-${i}.js`), String(i))
      await loader.load(join(dir, 'assets', `chunk-${i}.js`))
    }
    assert.ok(loader.size <= 256, `cache holds ${loader.size} files`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})

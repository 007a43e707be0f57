// Issue 11 (item 14): `npm install` on a fresh clone added ~268 lines to package-lock.json. The lock had been
// written without the other platforms' optional binaries (biome's and swc's per-OS packages), which npm
// always records, so every install rewrote it and `npm ci` refused it as out of sync. Every optional
// dependency of a locked package must itself be locked, whatever platform wrote the lock.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

interface LockedPackage {
  version?: string
  optionalDependencies?: Record<string, string>
}

/** The names a locked package's optional dependencies miss, resolved the way npm nests node_modules. */
function missingOptionalDependencies(lock: { packages: Record<string, LockedPackage> }): string[] {
  const missing: string[] = []
  for (const [path, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      // Look in the package's own node_modules, then each enclosing one up to the root.
      const candidates: string[] = []
      let base = path
      for (;;) {
        candidates.push(`${base ? `${base}/` : ''}node_modules/${name}`)
        const up = base.lastIndexOf('/node_modules/')
        if (base === '') break
        base = up === -1 ? '' : base.slice(0, up)
      }
      if (!candidates.some((c) => c in lock.packages)) missing.push(`${path || '(root)'} -> ${name}`)
    }
  }
  return missing
}

test('package-lock.json locks every optional dependency, for every platform', () => {
  const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8'))
  assert.deepEqual(missingOptionalDependencies(lock), [])
})

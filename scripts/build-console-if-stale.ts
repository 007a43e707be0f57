// `npm start` runs this first: builds the web console (npm run build) when web/dist is missing or older
// than any console source, and does nothing otherwise, so a start stays fast.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

const web = new URL('../web/', import.meta.url).pathname

function newestMtime(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (!stat) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))))
}

const stale = () => {
  const built = statSync(join(web, 'dist/index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0
  const sources = Math.max(
    newestMtime(join(web, 'src')),
    newestMtime(join(web, 'index.html')),
    newestMtime(join(web, 'vite.config.ts')),
  )
  return built < sources
}

if (stale()) {
  // Test files run in parallel and each may get here: one builds while the others wait, then re-check.
  const lock = join(web, '.build-lock')
  const since = Date.now()
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (age > 120_000) rmSync(lock, { recursive: true, force: true })
      if (Date.now() - since > 180_000) throw new Error(`${lock} is held; remove it if no build runs`)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
    }
  }
  try {
    if (stale()) {
      process.stdout.write('taskgate: building the web console (web/dist)…\n')
      const result = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' })
      if (result.status !== 0) {
        process.stderr.write(
          'taskgate: the console build failed; the API still starts, the console shows a notice.\n',
        )
      }
    }
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

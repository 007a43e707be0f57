// Serves the built web console (web/dist) at `/`: files as they are, and index.html for any other path
// that is not the API, so client-side routes (/sessions/s_123) survive a reload. A handful of static
// files do not earn a dependency; paths are resolved inside the directory and nothing else is readable.
import { readFile } from 'node:fs/promises'
import { extname, join, normalize, sep } from 'node:path'
import type { FastifyInstance, FastifyReply } from 'fastify'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
}

// Everything the console loads is its own; no inline script, no framing. 'wasm-unsafe-eval' lets the
// terminal player (asciinema-player) compile its own bundled WebAssembly terminal emulator; JavaScript
// eval stays refused.
const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>taskgate</title></head>
<body><h1>taskgate</h1><p>The web console is not built. Run <code>npm run build</code> (npm start does it for you).</p>
<p>The API is at <a href="/v1/openapi.json">/v1/openapi.json</a>.</p></body></html>`

export function registerConsoleFiles(
  app: FastifyInstance,
  dir: string,
  isApiPath: (path: string) => boolean,
  notFound: (reply: FastifyReply, path: string) => unknown,
): void {
  const root = normalize(dir + sep)
  const { load } = createFileLoader()

  app.get('/*', async (request, reply) => {
    const path = decodePath(request.url.split('?')[0] ?? '/')
    if (path === undefined || isApiPath(path)) return notFound(reply, path ?? request.url)
    reply
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin')
      .header('content-security-policy', CSP)
    const file = normalize(join(root, path))
    if (file.startsWith(root) && extname(file) !== '') {
      const body = await load(file)
      if (body) {
        if (path.startsWith('/assets/')) reply.header('cache-control', 'public, max-age=31536000, immutable')
        return reply.type(TYPES[extname(file)] ?? 'application/octet-stream').send(body)
      }
      return notFound(reply, path)
    }
    const index = await load(join(root, 'index.html'))
    return reply.type(TYPES['.html']!).send(index ?? NOT_BUILT)
  })
}

/** At most this many files are kept in memory: a console build has a few dozen. */
const MAX_CACHED_FILES = 256

/**
 * Reads console files, keeping hashed assets (they never change) in memory. Only files that exist are
 * kept: a missing path is anybody's to invent, before any login, so remembering misses let requests for
 * distinct missing /assets/… paths grow the process without end (issue #10). index.html is re-read so a
 * rebuild shows without a restart.
 */
export function createFileLoader(): { load(file: string): Promise<Buffer | null>; readonly size: number } {
  const cache = new Map<string, Buffer>()
  return {
    async load(file) {
      const cached = cache.get(file)
      if (cached) return cached
      const body = await readFile(file).catch(() => null)
      if (body && file.includes(`${sep}assets${sep}`) && cache.size < MAX_CACHED_FILES) cache.set(file, body)
      return body
    },
    get size() {
      return cache.size
    },
  }
}

function decodePath(path: string): string | undefined {
  try {
    const decoded = decodeURIComponent(path)
    return decoded.includes('\0') ? undefined : decoded
  } catch {
    return undefined
  }
}

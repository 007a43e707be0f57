// JSON Lines files, one ECS document a line, mode 0600, rotated by size: PATH -> PATH.1 -> ... PATH.<keep>.
// Each batch is written and fdatasync'd before it counts as delivered, and never split across two files.
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { AuditEntry } from '../../events.ts'
import type { AuditSink } from '../audit-sink.ts'
import { toEcsDocument } from '../ecs-document.ts'

export interface JsonlSinkOptions {
  id: string
  batchSize: number
  path: string
  maxBytes: number
  keep: number
}

export function createJsonlSink(options: JsonlSinkOptions): AuditSink {
  return {
    id: options.id,
    kind: 'jsonl',
    batchSize: options.batchSize,
    async deliver(entries: readonly AuditEntry[]) {
      const text = entries.map((e) => `${JSON.stringify(toEcsDocument(e))}\n`).join('')
      await mkdir(dirname(options.path), { recursive: true, mode: 0o700 })
      const size = await stat(options.path).then(
        (s) => s.size,
        () => 0,
      )
      if (size > 0 && size + Buffer.byteLength(text) > options.maxBytes)
        await rotate(options.path, options.keep)
      const file = await open(options.path, 'a', 0o600)
      try {
        // An existing file keeps the mode it had; the audit log is for auditors only.
        await file.chmod(0o600)
        await file.writeFile(text)
        await file.datasync()
      } finally {
        await file.close()
      }
    },
    close: async () => {},
  }
}

async function rotate(path: string, keep: number): Promise<void> {
  await rm(`${path}.${keep}`, { force: true })
  for (let n = keep - 1; n >= 1; n--) await rename(`${path}.${n}`, `${path}.${n + 1}`).catch(() => {})
  await rename(path, `${path}.1`)
}

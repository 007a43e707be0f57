// Recording files on the gateway's disk (`<store.dir>/recordings/<protocol>/<session id>/`: SSH asciicast
// casts) obey the same retention policies as the recorded actions in the store: a policy's ended sessions
// lose their directory past maxAge, or, newest kept, once the policy's directories total more than maxSize;
// a session under legal hold never does. Each gateway prunes the files on its own disk.
import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { RecordingPrunePolicy } from '../../store/store.ts'
import type { CoreContext } from '../core-context.ts'

/** The names the engines give session directories (session ids): nothing else is ever removed. */
const SESSION_DIR = /^[A-Za-z0-9_-]{1,64}$/

interface Candidate {
  dir: string
  endedAt: Date
  bytes: number
}

/** Removes the session directories `policy` selects; returns how many. */
export async function pruneRecordingFiles(ctx: CoreContext, policy: RecordingPrunePolicy): Promise<number> {
  const root = join(ctx.config.store.dir, 'recordings')
  const candidates: Candidate[] = []
  for (const protocol of await names(root)) {
    for (const sessionId of await names(join(root, protocol))) {
      if (!SESSION_DIR.test(sessionId)) continue
      const session = await ctx.store.sessions.get(sessionId)
      if (!session?.endedAt || !policy.resourceIds.includes(session.resourceId)) continue
      if (await ctx.store.recordings.getHold(sessionId)) continue
      const dir = join(root, protocol, sessionId)
      candidates.push({ dir, endedAt: session.endedAt, bytes: await bytesIn(dir) })
    }
  }
  candidates.sort((a, b) => b.endedAt.getTime() - a.endedAt.getTime())
  let kept = 0
  let removed = 0
  for (const candidate of candidates) {
    const tooOld = policy.endedBefore !== undefined && candidate.endedAt < policy.endedBefore
    const tooMuch = policy.maxBytes !== undefined && kept + candidate.bytes > policy.maxBytes
    if (!tooOld && !tooMuch) {
      kept += candidate.bytes
      continue
    }
    await rm(candidate.dir, { recursive: true, force: true })
    removed++
  }
  return removed
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name)
  } catch {
    return []
  }
}

/** Bytes of the files directly in `dir` (the engines write no deeper). */
async function bytesIn(dir: string): Promise<number> {
  let bytes = 0
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.isFile()) bytes += (await stat(join(dir, entry.name)).catch(() => ({ size: 0 }))).size
  }
  return bytes
}

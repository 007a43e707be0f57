// Recording retention: for each `retention.recordings` policy, the ended sessions of its resources lose their
// recorded actions past maxAge or beyond maxSize (newest kept); sessions under legal hold never do. Each
// policy that removed something is audited as `retention.pruned`. Recording files on the gateway's disk
// (SSH casts) go by the same policy (prune-recording-files.ts).
import type { CoreContext } from '../core-context.ts'
import { parseDurationSeconds } from '../grants/duration.ts'
import { pruneRecordingFiles } from './prune-recording-files.ts'

export async function pruneRecordings(ctx: CoreContext, actor: string): Promise<{ sessions: number }> {
  const { config, store, clock } = ctx
  let total = 0
  for (const [index, policy] of config.retention.recordings.entries()) {
    const resourceIds = config.resources
      .filter(
        (r) =>
          policy.resources?.includes('*') ||
          policy.resources?.includes(r.id) ||
          policy.kinds?.includes(r.kind),
      )
      .map((r) => r.id)
    if (resourceIds.length === 0) continue
    const endedBefore = policy.maxAge
      ? new Date(clock.now().getTime() - parseDurationSeconds(policy.maxAge) * 1000)
      : undefined
    const selection = {
      resourceIds,
      ...(endedBefore ? { endedBefore } : {}),
      ...(policy.maxSize !== undefined ? { maxBytes: policy.maxSize } : {}),
    }
    const sessions = await store.recordings.prune(selection)
    // Recording files on this gateway's disk (SSH casts), under the same policy and holds.
    const files = await pruneRecordingFiles(ctx, selection)
    if (sessions === 0 && files === 0) continue
    total += sessions
    await ctx.audit({
      type: 'retention.pruned',
      actor,
      data: { what: 'recordings', policy: index, resources: resourceIds, sessions, files },
    })
  }
  return { sessions: total }
}

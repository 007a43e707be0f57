// core.issueCredential: one more credential of a live grant, for the principal it was issued to only.
import type { CoreContext } from '../core-context.ts'
import type { CoreRuntime } from '../core-runtime.ts'
import { TaskgateError } from '../errors.ts'
import type { Principal } from '../identity/principal.ts'
import { isLive } from './grant.ts'
import { grantNotActive } from './grant-not-active.ts'
import { issueGrantCredential } from './issue-grant-credential.ts'
import type { IssuedCredential } from './issued-credential.ts'

export async function issueOwnerCredential(
  ctx: CoreContext,
  rt: CoreRuntime,
  actor: Principal,
  grantId: string,
): Promise<IssuedCredential> {
  const grant = await rt.loadGrant(grantId)
  if (grant.principalId !== actor.id) {
    throw new TaskgateError('TG_FORBIDDEN', {
      message: 'Only the principal a grant was issued to can obtain its credential.',
    })
  }
  if (!isLive(grant, ctx.clock.now())) {
    // A pending grant is stored before its approval: name the approval it waits on.
    const approvalId =
      grant.status === 'pending'
        ? (grant.approvalId ??
          (await ctx.store.approvals.list({ grantId, status: ['pending'], limit: 1 }))[0]?.id)
        : undefined
    throw grantNotActive({ ...grant, ...(approvalId ? { approvalId } : {}) }, ctx.clock.now())
  }
  return issueGrantCredential(ctx, grant)
}

// Disabling and deleting a service account. Either way its key stops working at once (authentication
// reads the account on every request) and its live grants end, which closes their sessions: an account
// taken out of service keeps no access it was granted before. A deleted account keeps its row, so its
// name is never handed to another identity that would inherit its grants, sessions and audit history.
import { requireAdmin } from '../authorize.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import { endGrant } from '../grants/end-grant.ts'
import type { Principal } from './principal.ts'
import type { ServiceAccount } from './service-account.ts'

export async function disableServiceAccount(
  ctx: CoreContext,
  actor: Principal,
  name: string,
  reason: string,
): Promise<ServiceAccount> {
  const account = await accountToRetire(ctx, actor, name, reason)
  if (account.disabledAt)
    throw new TaskgateError('TG_CONFLICT', { message: `Service account ${name} is already disabled.` })
  const at = ctx.clock.now()
  await ctx.store.serviceAccounts.disable(name, at)
  const grantsEnded = await endGrantsOf(ctx, actor, name, `service account disabled: ${reason}`)
  await ctx.audit({
    type: 'service_account.disabled',
    actor: actor.id,
    subject: `sa:${name}`,
    data: { reason, grantsEnded },
  })
  return { ...account, disabledAt: at }
}

export async function deleteServiceAccount(
  ctx: CoreContext,
  actor: Principal,
  name: string,
  reason: string,
): Promise<void> {
  await accountToRetire(ctx, actor, name, reason)
  await ctx.store.serviceAccounts.delete(name, ctx.clock.now())
  const grantsEnded = await endGrantsOf(ctx, actor, name, `service account deleted: ${reason}`)
  await ctx.audit({
    type: 'service_account.deleted',
    actor: actor.id,
    subject: `sa:${name}`,
    data: { reason, grantsEnded },
  })
}

async function accountToRetire(
  ctx: CoreContext,
  actor: Principal,
  name: string,
  reason: string,
): Promise<ServiceAccount> {
  requireAdmin(ctx, actor)
  if (!reason.trim())
    throw new TaskgateError('TG_REQUEST_INVALID', {
      message: 'Say why: a reason is recorded in the audit log.',
    })
  if (actor.id === `sa:${name}`) {
    throw new TaskgateError('TG_CONFLICT', {
      message: 'You cannot take the account you act with out of service; another administrator can.',
    })
  }
  const account = await ctx.store.serviceAccounts.get(name)
  if (!account || account.deletedAt)
    throw new TaskgateError('TG_NOT_FOUND', { message: `No service account ${name}.` })
  return account
}

/** Ends every pending or active grant of the account; returns how many this call ended. */
async function endGrantsOf(ctx: CoreContext, actor: Principal, name: string, note: string): Promise<number> {
  const live = await ctx.store.grants.list({ principalId: `sa:${name}`, status: ['pending', 'active'] })
  let ended = 0
  for (const grant of live) {
    if (await endGrant(ctx, grant, grant.status === 'pending' ? 'cancelled' : 'revoked', actor.id, note))
      ended++
  }
  return ended
}

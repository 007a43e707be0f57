// A new key for a service account (administrators, or the account itself); the old key stops working at once.
import { requireAdmin } from '../authorize.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Principal } from './principal.ts'
import type { ServiceAccount } from './service-account.ts'
import { newServiceAccountKey } from './service-account-key.ts'

export async function rotateServiceAccountKey(
  ctx: CoreContext,
  actor: Principal,
  name: string,
): Promise<{ account: ServiceAccount; key: string }> {
  if (actor.id !== `sa:${name}`) requireAdmin(ctx, actor)
  const account = await ctx.store.serviceAccounts.get(name)
  if (!account || account.deletedAt)
    throw new TaskgateError('TG_NOT_FOUND', { message: `No service account ${name}.` })
  const { key, keyHash } = newServiceAccountKey(name)
  await ctx.store.serviceAccounts.setKeyHash(name, keyHash)
  await ctx.audit({
    type: 'admin.action',
    actor: actor.id,
    subject: `sa:${name}`,
    data: { action: 'key.rotated' },
  })
  return { account: { ...account, keyHash }, key }
}

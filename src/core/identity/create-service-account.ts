// Administrators create a service account (an agent or a service) and get its key, shown once.
import { requireAdmin } from '../authorize.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Principal } from './principal.ts'
import type { ServiceAccount } from './service-account.ts'
import { newServiceAccountKey } from './service-account-key.ts'

export async function createServiceAccount(
  ctx: CoreContext,
  actor: Principal,
  input: { name: string; groups: string[]; kind?: 'agent' | 'service' },
): Promise<{ account: ServiceAccount; key: string }> {
  requireAdmin(ctx, actor)
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(input.name)) {
    throw new TaskgateError('TG_REQUEST_INVALID', {
      message: 'Account names use lowercase letters, digits and dashes.',
    })
  }
  if (input.groups.length === 0)
    throw new TaskgateError('TG_REQUEST_INVALID', { message: 'Give the account at least one group.' })
  const existing = await ctx.store.serviceAccounts.get(input.name)
  if (existing?.deletedAt)
    throw new TaskgateError('TG_ALREADY_EXISTS', {
      message: `The name ${input.name} belonged to a deleted account and stays reserved; choose another.`,
    })
  if (existing) throw new TaskgateError('TG_ALREADY_EXISTS')
  const { key, keyHash } = newServiceAccountKey(input.name)
  const account = {
    name: input.name,
    groups: input.groups,
    kind: input.kind ?? 'agent',
    keyHash,
    createdAt: ctx.clock.now(),
    createdBy: actor.id,
  }
  await ctx.store.serviceAccounts.insert(account)
  await ctx.audit({
    type: 'service_account.created',
    actor: actor.id,
    subject: `sa:${input.name}`,
    data: { groups: input.groups },
  })
  return { account, key }
}

import type { ResourceConfig } from '../../config/schema.ts'
import type { IssuedCredential } from '../core.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Grant } from './grant.ts'
import { newCredential } from './issue-credential.ts'

/** Pending -> active: provisions the target (ephemeral role), stores a credential, audits. */
export async function activateGrant(
  ctx: CoreContext,
  grant: Grant,
  decidedBy: string,
  reason: string,
): Promise<{ grant: Grant; credential: IssuedCredential }> {
  const now = ctx.clock.now()
  const expiresAt = new Date(now.getTime() + grant.ttlSeconds * 1000)
  const active: Grant = {
    ...grant,
    status: 'active',
    activatedAt: now,
    expiresAt,
    decidedBy,
    decisionReason: reason,
  }
  const provisioner = ctx.provisioners.get(grant.resourceId)
  if (provisioner) {
    try {
      await provisioner.provision(active)
    } catch (error) {
      throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
        message: `The target "${grant.resourceId}" could not prepare access for this grant; try again later or ask its owner.`,
        detail: String(error),
        cause: error,
      })
    }
  }
  if (!(await ctx.store.grants.activate(grant.id, now, expiresAt, decidedBy, reason))) {
    await provisioner?.deprovision(active).catch(() => {})
    throw new TaskgateError('TG_CONFLICT', { message: `Grant ${grant.id} is no longer pending.` })
  }
  const credential = await storeNewCredential(ctx, active)
  await ctx.audit({
    type: 'grant.issued',
    actor: decidedBy,
    subject: grant.id,
    data: { resource: grant.resourceId, expiresAt: expiresAt.toISOString(), reason },
  })
  await ctx.store.publish('grant_changed', grant.id)
  return { grant: active, credential }
}

/** Replaces any previous credential of the grant with a new one; the clear secret is returned once. */
export async function storeNewCredential(ctx: CoreContext, grant: Grant): Promise<IssuedCredential> {
  const resource = ctx.resources.get(grant.resourceId)
  if (!resource) throw new TaskgateError('TG_RESOURCE_UNKNOWN')
  const { credential, password } = newCredential(grant, ctx.clock.now())
  await ctx.store.credentials.deleteForGrant(grant.id)
  await ctx.store.credentials.insert(credential)
  return {
    grantId: grant.id,
    resourceId: grant.resourceId,
    username: credential.username,
    password,
    expiresAt: credential.expiresAt,
    connection: connectionFor(resource, ctx.addresses.get(resource.id), credential.username, password),
  }
}

function connectionFor(
  resource: ResourceConfig,
  bound: { host: string; port: number } | undefined,
  user: string,
  password: string,
): IssuedCredential['connection'] {
  const listen = bound ?? resource.listen
  // A wildcard listen address is not something a client can dial.
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host
  return { host, port: listen.port, user, password, database: resource.target.database }
}

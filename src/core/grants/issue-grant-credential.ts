import type { ResourceConfig } from '../../config/schema.ts'
import { resourceKind } from '../../kinds/index.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Credential } from './credential.ts'
import { type Grant, isLive } from './grant.ts'
import { grantNotActive } from './grant-not-active.ts'
import { MAX_CREDENTIALS_PER_GRANT, newCredential } from './issue-credential.ts'
import type { IssuedCredential } from './issued-credential.ts'

/**
 * Issues one more credential for a live grant; the ones issued before keep working until the grant ends
 * (past MAX_CREDENTIALS_PER_GRANT the oldest is revoked). Audited as `credential.issued`, without the
 * secret; the clear secret is returned once.
 */
export async function issueGrantCredential(ctx: CoreContext, grant: Grant): Promise<IssuedCredential> {
  const resource = ctx.resources.get(grant.resourceId)
  if (!resource) throw new TaskgateError('TG_RESOURCE_UNKNOWN')
  const { credential, password, revoked } = await insertNext(ctx, grant, resource.kind)
  // The grant may have ended since the caller checked it: endGrant deleted the credentials it saw then,
  // not this one. (Logins check the grant anyway; this keeps no secret of an ended grant stored.)
  const current = await ctx.store.grants.get(grant.id)
  if (!current || !isLive(current, ctx.clock.now())) {
    await ctx.store.credentials.deleteForGrant(grant.id)
    throw current ? grantNotActive(current, ctx.clock.now()) : new TaskgateError('TG_GRANT_NOT_ACTIVE')
  }
  await ctx.audit({
    type: 'credential.issued',
    actor: grant.principalId,
    subject: grant.id,
    data: {
      grant: grant.id,
      resource: grant.resourceId,
      user: credential.username,
      expiresAt: credential.expiresAt.toISOString(),
      ...(revoked.length > 0 ? { revoked } : {}),
    },
  })
  return {
    grantId: grant.id,
    resourceId: grant.resourceId,
    username: credential.username,
    password,
    expiresAt: credential.expiresAt,
    connection: connectionFor(resource, ctx.addresses.get(resource.id), credential.username, password),
  }
}

/** Numbers the credential after the grant's newest; two issues racing for one number: the loser takes the next. */
async function insertNext(
  ctx: CoreContext,
  grant: Grant,
  kind: string,
): Promise<{ credential: Credential; password: string; revoked: string[] }> {
  const verifiersOf = resourceKind(kind).credentialVerifiers
  for (let attempt = 1; ; attempt++) {
    const held = await ctx.store.credentials.listForGrant(grant.id)
    const { credential, password } = newCredential(
      grant,
      (held.at(-1)?.seq ?? 0) + 1,
      ctx.clock.now(),
      verifiersOf,
      kind,
    )
    try {
      const revoked = await ctx.store.credentials.insert(credential, MAX_CREDENTIALS_PER_GRANT)
      return { credential, password, revoked }
    } catch (error) {
      if (attempt >= 5 || !(error instanceof TaskgateError && error.code === 'TG_ALREADY_EXISTS')) throw error
    }
  }
}

function connectionFor(
  resource: ResourceConfig,
  bound: { host: string; port: number; certificateAuthority?: string; hostKey?: string } | undefined,
  user: string,
  password: string,
): IssuedCredential['connection'] {
  const listen = bound ?? resource.listen
  // A wildcard listen address is not something a client can dial.
  const host = listen.host === '0.0.0.0' || listen.host === '::' ? '127.0.0.1' : listen.host
  const database = 'database' in resource.target ? resource.target.database : undefined
  return {
    kind: resource.kind,
    host,
    port: listen.port,
    user,
    password,
    ...(database ? { database } : {}),
    ...(bound?.certificateAuthority ? { certificateAuthority: bound.certificateAuthority } : {}),
    ...(bound?.hostKey ? { hostKey: bound.hostKey } : {}),
  }
}

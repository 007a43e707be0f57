// Logins on the data path: a credential a protocol proved itself (resolveLogin, after a challenge-response
// exchange) or a clear secret core checks (authenticateCredential). Both audit the attempt and refuse a grant
// that is not live; the login gate throttles sources and names that keep failing.
import { timingSafeEqual } from 'node:crypto'
import { GENESIS_HASH } from '../audit/hash-chain.ts'
import type { CoreContext } from '../core-context.ts'
import type { CoreRuntime } from '../core-runtime.ts'
import { TaskgateError } from '../errors.ts'
import { isLive } from '../grants/grant.ts'
import { grantNotActive, grantStateText } from '../grants/grant-not-active.ts'
import { sha256Hex } from '../grants/issue-credential.ts'
import type { GrantContext } from '../sessions/session-handle.ts'

/** How a data-path login attempt is audited and counted. */
export function dataPathAttempt(ctx: CoreContext, resourceId: string, user: string, client?: string) {
  return { channel: ctx.resources.get(resourceId)?.kind ?? 'data-path', client, user, resource: resourceId }
}

export async function resolveLogin(
  ctx: CoreContext,
  rt: CoreRuntime,
  credential: { grantId: string; resourceId: string; username?: string },
  client?: string,
): Promise<GrantContext> {
  const grant = await ctx.store.grants.get(credential.grantId)
  const resource = ctx.resources.get(credential.resourceId)
  const now = ctx.clock.now()
  const attempt = dataPathAttempt(
    ctx,
    credential.resourceId,
    credential.username ?? credential.grantId,
    client,
  )
  if (!grant || !resource || grant.resourceId !== resource.id) {
    await rt.loginGate.failed({ ...attempt, reason: 'TG_CREDENTIAL_INVALID' })
    throw new TaskgateError('TG_CREDENTIAL_INVALID')
  }
  if (!isLive(grant, now)) {
    await rt.loginGate.failed({
      ...attempt,
      reason: `TG_GRANT_NOT_ACTIVE: grant ${grant.id} is ${grantStateText(grant, now)}`,
    })
    throw grantNotActive(grant, now)
  }
  await rt.loginAudit.succeeded({
    channel: resource.kind,
    client,
    actor: grant.principalId,
    subject: grant.id,
    data: { resource: resource.id, grant: grant.id, user: attempt.user },
  })
  return { grant, resource }
}

/** Cleartext login: the secret is compared in constant time with the stored hash (a decoy for no user). */
export async function authenticateCredential(
  ctx: CoreContext,
  rt: CoreRuntime,
  login: { resourceId: string; username: string; secret: string; client?: string | undefined },
): Promise<GrantContext> {
  const { resourceId, username, secret, client } = login
  await rt.loginGate.admit(dataPathAttempt(ctx, resourceId, username, client))
  const credential = await ctx.store.credentials.findByUsername(resourceId, username)
  const given = Buffer.from(sha256Hex(secret), 'hex')
  const stored = Buffer.from(credential?.secretHash ?? GENESIS_HASH, 'hex')
  if (!credential || !timingSafeEqual(given, stored)) {
    await rt.loginGate.failed({
      ...dataPathAttempt(ctx, resourceId, username, client),
      reason: credential ? 'wrong secret' : 'unknown user',
    })
    throw new TaskgateError('TG_CREDENTIAL_INVALID')
  }
  return resolveLogin(ctx, rt, credential, client)
}

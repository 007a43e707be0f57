import type { ResourceConfig } from '../../config/schema.ts'
import type { Approval } from '../approvals/approval.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Principal } from '../identity/principal.ts'
import { newId } from '../ids.ts'
import type { ImplicitScope } from '../policy/rules.ts'
import { activateGrant } from './activate-grant.ts'
import { parseDurationSeconds } from './duration.ts'
import { endGrant } from './end-grant.ts'
import type { Grant } from './grant.ts'
import { type GrantPlan, type PlanStatements, scopeFromPlan } from './grant-plan.ts'
import { decideGrantRequest, policyFor } from './grant-policy.ts'
import type { GrantRequestInput, GrantRequestResult } from './grant-request-input.ts'
import { issueGrantCredential } from './issue-grant-credential.ts'
import {
  checkScopeSize,
  formatScope,
  formatScopeEntry,
  parseScope,
  parseScopeEntry,
  type Scope,
  scopeObjectProblem,
} from './scope.ts'
import { canonicalScope, unknownVerbProblem } from './scope-verbs.ts'

const MAX_TASK_LENGTH = 500

/** What a request from a plan needs of the resource's kind, registered by its protocol. */
export interface PlanSupport {
  planStatements(kind: string): PlanStatements | undefined
  implicitScope(kind: string): ImplicitScope | undefined
}

export async function requestGrant(
  ctx: CoreContext,
  actor: Principal,
  input: GrantRequestInput,
  planning: PlanSupport,
): Promise<GrantRequestResult> {
  const resource = ctx.resources.get(input.resourceId)
  if (!resource) {
    throw new TaskgateError('TG_RESOURCE_UNKNOWN', {
      message: `No resource "${input.resourceId}"; \`taskgate resources\` lists them.`,
    })
  }
  const task = input.task?.trim() ?? ''
  if (!task)
    throw new TaskgateError('TG_REQUEST_INVALID', {
      message: 'Say what the task is: --task "investigate invoice 8841".',
    })
  if (task.length > MAX_TASK_LENGTH) {
    throw new TaskgateError('TG_REQUEST_INVALID', {
      message: `The task description is longer than ${MAX_TASK_LENGTH} characters.`,
    })
  }
  const planned = input.plan === undefined ? undefined : fromPlan(resource, input, planning)
  const scope = planned?.scope ?? canonicalScope(resource.kind, requestedScope(input.scope))
  if (scope.length === 0) throw new TaskgateError('TG_SCOPE_INVALID', { detail: 'empty scope' })
  for (const entry of scope) {
    const problem = unknownVerbProblem(entry.verb, [resource.kind]) ?? scopeObjectProblem(entry)
    if (problem) {
      throw new TaskgateError('TG_SCOPE_INVALID', {
        message: `Scope entry "${formatScopeEntry(entry)}": ${problem}.`,
      })
    }
  }
  const ttlSeconds = parseDurationSeconds(input.ttl ?? ctx.config.grants.defaultTtl)
  const now = ctx.clock.now()
  const verdict = decideGrantRequest(
    policyFor(actor, resource, ctx.config.policies),
    resource,
    scope,
    ttlSeconds,
  )

  const grant: Grant = {
    id: newId('g'),
    principalId: actor.id,
    principalName: actor.name,
    groups: actor.groups,
    resourceId: resource.id,
    scope,
    task,
    status: 'pending',
    sessionBound: input.sessionBound ?? false,
    ttlSeconds,
    requestedAt: now,
    ...(planned ? { plan: planned.plan } : {}),
  }
  await ctx.store.grants.insert(grant)
  await ctx.audit({
    type: 'grant.requested',
    actor: actor.id,
    subject: grant.id,
    data: {
      resource: resource.id,
      scope: formatScope(scope),
      task,
      ttlSeconds,
      sessionBound: grant.sessionBound,
      ...(planned ? { planStatements: planned.plan.statements.length } : {}),
    },
  })

  if (verdict.outcome === 'deny') {
    await ctx.store.grants.deny(grant.id, now, 'policy', verdict.reason)
    await ctx.audit({
      type: 'grant.denied',
      actor: 'policy',
      subject: grant.id,
      data: { reason: verdict.reason },
    })
    return {
      grant: { ...grant, status: 'denied', decidedBy: 'policy', decisionReason: verdict.reason },
      allowed: verdict.allowed,
    }
  }

  if (verdict.outcome === 'grant') {
    const { grant: active } = await activateGrant(ctx, grant, 'policy', verdict.reason)
    try {
      return { grant: active, credential: await issueGrantCredential(ctx, active) }
    } catch (error) {
      // The requester hears an error: the grant must not stay active behind it with nobody holding it.
      await endGrant(ctx, active, 'cancelled', 'system', 'its credential could not be issued').catch(() => {})
      throw error
    }
  }

  const approval: Approval = {
    id: newId('a'),
    subject: 'grant',
    grantId: grant.id,
    requesterId: actor.id,
    requesterName: actor.name,
    resourceId: resource.id,
    task,
    summary: formatScope(scope),
    rule: 'grant-policy',
    reason: verdict.reason,
    approverGroups: verdict.approverGroups,
    status: 'pending',
    createdAt: now,
    expiresAt: new Date(now.getTime() + parseDurationSeconds(ctx.config.grants.approvalTimeout) * 1000),
  }
  await ctx.store.approvals.insert(approval)
  await ctx.audit({
    type: 'approval.requested',
    actor: actor.id,
    subject: approval.id,
    data: { grant: grant.id, approverGroups: verdict.approverGroups, reason: verdict.reason },
  })
  await ctx.store.publish('approval_changed', approval.id)
  ctx.notify('approval.requested', approval)
  return { grant: { ...grant, approvalId: approval.id, decisionReason: verdict.reason } }
}

function requestedScope(scope: GrantRequestInput['scope']): Scope {
  if (scope === undefined)
    throw new TaskgateError('TG_SCOPE_INVALID', {
      message:
        'Say what the task needs: --scope select:billing.invoices, or --from-plan with its statements.',
    })
  if (typeof scope === 'string') return parseScope(scope)
  checkScopeSize(scope.length)
  return scope.map((e) => parseScopeEntry(`${e.verb}:${e.object}`))
}

function fromPlan(
  resource: ResourceConfig,
  input: GrantRequestInput,
  planning: PlanSupport,
): { plan: GrantPlan; scope: Scope } {
  const given = typeof input.scope === 'string' ? input.scope.trim() : input.scope?.length
  if (given)
    throw new TaskgateError('TG_REQUEST_INVALID', {
      message: 'Request either a scope or a plan, not both: the scope of a plan is the least that covers it.',
    })
  return scopeFromPlan(
    input.plan ?? '',
    planning.planStatements(resource.kind),
    planning.implicitScope(resource.kind),
    resource,
  )
}

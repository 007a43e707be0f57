// What an approver weighs on a grant request: the scope asked for against what the requester's policies
// grant without asking (auto-approve) and the most they may ever hold (ceiling), with the entries that go
// beyond auto-approve named, and how long the access would last.
import type { CoreContext } from '../core-context.ts'
import { policyFor } from '../grants/grant-policy.ts'
import { entriesOutside, type Scope } from '../grants/scope.ts'
import type { Principal } from '../identity/principal.ts'
import type { Approval } from './approval.ts'

export interface ApprovalRisk {
  requested: Scope
  autoApprove: Scope
  ceiling: Scope
  /** Requested entries that auto-approve does not cover: what this approval would add. */
  widened: Scope
  ttlSeconds: number
  /** For a request from a plan: its statements, which the requested scope is the least cover of. */
  plan?: string[]
}

/** The risk of a grant request, from the policies as configured now and the groups the request was made
 * with; undefined for held statements (their grant was decided already) and grants no longer stored. */
export async function approvalRisk(ctx: CoreContext, approval: Approval): Promise<ApprovalRisk | undefined> {
  if (approval.subject !== 'grant') return undefined
  const grant = await ctx.store.grants.get(approval.grantId)
  const resource = ctx.resources.get(approval.resourceId)
  if (!grant || !resource) return undefined
  // Policies read only the groups; the ones the request was decided on, not the requester's current ones.
  const requester: Principal = {
    id: grant.principalId,
    kind: 'agent',
    name: grant.principalName,
    groups: grant.groups,
    via: 'service-account',
  }
  const view = policyFor(requester, resource, ctx.config.policies)
  const autoApprove = view?.autoApprove ?? []
  return {
    requested: grant.scope,
    autoApprove,
    ceiling: view?.ceiling ?? [],
    widened: entriesOutside(grant.scope, autoApprove),
    ttlSeconds: grant.ttlSeconds,
    ...(grant.plan ? { plan: grant.plan.statements.map((s) => s.text) } : {}),
  }
}

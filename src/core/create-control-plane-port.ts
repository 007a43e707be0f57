// The control-plane port (ports/control-plane-port.ts) over core's shared state: each operation is its own
// file; what is left here is authorization plus a store read, or a flush before one.

import { adviseScopes } from './advice/advise-scopes.ts'
import { grantEvidence } from './advice/grant-evidence.ts'
import { planCheckFor } from './advice/plan-check.ts'
import { approvalRisk } from './approvals/approval-risk.ts'
import { decideApproval } from './approvals/decide-approval.ts'
import { getApproval, listApprovals } from './approvals/visible-approvals.ts'
import { verifyAudit } from './audit/verify-audit.ts'
import { listVisibleAudit } from './audit/visible-audit.ts'
import { authorizeGrantView, authorizeOversight, maySeeSession, requireAdmin } from './authorize.ts'
import type { CoreContext } from './core-context.ts'
import type { CoreRuntime } from './core-runtime.ts'
import { TaskgateError } from './errors.ts'
import { endTask, revokeGrant } from './grants/finish-grant.ts'
import { offPlanStatements } from './grants/grant-plan.ts'
import { policyFor } from './grants/grant-policy.ts'
import type { GrantRequestInput, GrantRequestResult } from './grants/grant-request-input.ts'
import { issueOwnerCredential } from './grants/issue-owner-credential.ts'
import { listGrants } from './grants/list-grants.ts'
import { requestGrant } from './grants/request-grant.ts'
import type { BearerAuthenticator } from './identity/authenticate.ts'
import { createBearerLogin } from './identity/bearer-login.ts'
import { createServiceAccount } from './identity/create-service-account.ts'
import type { Principal } from './identity/principal.ts'
import { deleteServiceAccount, disableServiceAccount } from './identity/retire-service-account.ts'
import { rotateServiceAccountKey } from './identity/rotate-service-account-key.ts'
import { testMasking } from './masking/masking-test.ts'
import { checkReadiness } from './metrics/readiness.ts'
import { approvalAttributes, grantAttributes, resourceAttributes } from './metrics/trace-attributes.ts'
import { replayPolicy } from './policy/replay-policy.ts'
import type { ControlPlanePort } from './ports/control-plane-port.ts'
import type { ActionRecord } from './recording/events.ts'
import { holdSession, releaseSession, runRetention } from './recording/retention-run.ts'
import { endSession } from './sessions/end-session.ts'
import { listVisibleSessions } from './sessions/visible-sessions.ts'

const oversightOnly = (what: string) =>
  new TaskgateError('TG_FORBIDDEN', { message: `Only administrators and approvers ${what}.` })

export function createControlPlanePort(
  ctx: CoreContext,
  rt: CoreRuntime,
  bearer: BearerAuthenticator,
): ControlPlanePort {
  const { store, config, clock } = ctx
  const { recording, registered } = rt
  return {
    config,
    clock,
    subscribe: (channel, listener) => store.subscribe(channel, listener),
    authenticate: createBearerLogin(bearer, rt),
    createServiceAccount: (actor, input) => createServiceAccount(ctx, actor, input),
    async listServiceAccounts(actor) {
      requireAdmin(ctx, actor)
      return store.serviceAccounts.list()
    },
    rotateServiceAccountKey: (actor, name) => rotateServiceAccountKey(ctx, actor, name),
    disableServiceAccount: (actor, name, reason) => disableServiceAccount(ctx, actor, name, reason),
    deleteServiceAccount: (actor, name, reason) => deleteServiceAccount(ctx, actor, name, reason),

    listResources: (actor) =>
      config.resources.flatMap((resource) => {
        const view = policyFor(actor, resource, config.policies)
        if (!view && !ctx.isAdmin(actor)) return []
        // Where the engine really listens, and an SSH resource's host key, so clients can pin it.
        const bound = ctx.addresses.get(resource.id)
        return [
          {
            resource,
            ceiling: view?.ceiling ?? [],
            autoApprove: view?.autoApprove ?? [],
            ...(bound ? { address: { host: bound.host, port: bound.port } } : {}),
            ...(bound?.hostKey ? { hostKey: bound.hostKey } : {}),
          },
        ]
      }),

    requestGrant: (actor, input) =>
      ctx.tracer.span(
        'taskgate.grant.request',
        { ...resourceAttributes(ctx, input.resourceId), 'taskgate.principal.kind': actor.kind },
        async (span) => {
          const result = await requestGrantWithEvidence(ctx, rt, actor, input)
          span.set({ ...grantAttributes(result.grant), 'taskgate.outcome': result.grant.status })
          return result
        },
      ),
    async grantEvidence(actor, id) {
      const grant = await rt.loadGrant(id)
      authorizeGrantView(ctx, actor, grant)
      return grantEvidence(ctx, grant, true)
    },
    async offPlanStatements(actor, id) {
      const grant = await rt.loadGrant(id)
      authorizeGrantView(ctx, actor, grant)
      const resource = ctx.resources.get(grant.resourceId)
      const planStatements = registered.planners.get(resource?.kind ?? '')
      if (!grant.plan || !planStatements || !resource) return undefined
      await recording.flush()
      const actions: ActionRecord[] = []
      for (const session of await store.sessions.list({ grantId: grant.id }))
        actions.push(...(await store.sessions.listActions(session.id)))
      return offPlanStatements(grant.plan, actions, planStatements, resource)
    },
    async grantBudget(actor, id) {
      const grant = await rt.loadGrant(id)
      authorizeGrantView(ctx, actor, grant)
      return rt.budgets.view(grant)
    },
    async getGrant(actor, id) {
      const grant = await rt.loadGrant(id)
      authorizeGrantView(ctx, actor, grant)
      return grant
    },
    listGrants: (actor, filter) => listGrants(ctx, actor, filter),
    issueCredential: (actor, grantId) => issueOwnerCredential(ctx, rt, actor, grantId),
    endGrant: (actor, grantId) =>
      ctx.tracer.span('taskgate.grant.end', { 'taskgate.principal.kind': actor.kind }, async (span) => {
        const grant = await endTask(ctx, rt, actor, grantId)
        span.set({ ...grantAttributes(grant), 'taskgate.outcome': grant.endReason ?? grant.status })
        return grant
      }),
    revokeGrant: (actor, grantId, reason) =>
      ctx.tracer.span('taskgate.grant.revoke', { 'taskgate.principal.kind': actor.kind }, async (span) => {
        const grant = await revokeGrant(ctx, rt, actor, grantId, reason)
        span.set({ ...grantAttributes(grant), 'taskgate.outcome': grant.endReason ?? grant.status })
        return grant
      }),

    listApprovals: (actor, filter) => listApprovals(ctx, actor, filter),
    getApproval: (actor, id) => getApproval(ctx, actor, id),
    decideApproval: (actor, id, verdict, reason) =>
      ctx.tracer.span(
        verdict === 'approve' ? 'taskgate.approval.approve' : 'taskgate.approval.deny',
        { 'taskgate.principal.kind': actor.kind },
        async (span) => {
          const approval = await decideApproval(ctx, actor, id, verdict, reason)
          span.set({ ...approvalAttributes(approval), 'taskgate.outcome': approval.status })
          return approval
        },
      ),
    approvalRisk: (approval) => approvalRisk(ctx, approval),
    async approvalEvidence(approval) {
      const grant = await store.grants.get(approval.grantId)
      if (!grant) return undefined
      const evidence = await grantEvidence(ctx, grant, approval.subject === 'action')
      const planCheck = planCheckFor(ctx, rt, grant)
      return planCheck ? { ...evidence, planCheck } : evidence
    },

    testMasking: (actor, input) => testMasking(ctx, registered.maskingProbes, rt.maskingFor, actor, input),

    listSessions: (actor, filter) => listVisibleSessions(ctx, actor, filter),
    async getSession(actor, id) {
      const session = await store.sessions.get(id)
      if (!session || !maySeeSession(ctx, actor, session)) {
        throw new TaskgateError('TG_NOT_FOUND', { message: `No session ${id}.` })
      }
      await recording.flush()
      return { session, actions: await store.sessions.listActions(id) }
    },
    endSession: (actor, id, reason) => endSession(ctx, actor, id, reason),
    async replayPolicy(actor, input) {
      await recording.flush()
      const { reclassifiers, implicitScopes } = registered
      return replayPolicy(ctx, { reclassifiers, implicitScopes }, actor, input)
    },
    async adviseScopes(actor, filter) {
      await recording.flush()
      return adviseScopes(ctx, actor, filter)
    },
    audit: (event) => ctx.audit(event),
    async listAudit(actor, filter) {
      if (!authorizeOversight(ctx, actor)) throw oversightOnly('read the audit log')
      // Denials are audited in the background (the statement does not wait for the store): a reader sees
      // the ones already decided, as getSession sees the statements already recorded.
      await recording.flush()
      return listVisibleAudit(ctx, actor, filter)
    },
    verifyAudit: (actor, anchor) => verifyAudit(ctx, rt.auditCheckpointKey, actor, anchor),
    async auditSinks(actor) {
      if (!authorizeOversight(ctx, actor)) throw oversightOnly('read the audit export status')
      return rt.auditSinkStatus ? rt.auditSinkStatus() : []
    },
    runRetention: (actor) => runRetention(ctx, rt.auditCheckpointKey, actor),
    holdSession: (actor, sessionId, reason) => holdSession(ctx, actor, sessionId, reason),
    releaseSession: (actor, sessionId) => releaseSession(ctx, actor, sessionId),

    readiness: () => checkReadiness(config, store, ctx.addresses, rt.draining.value),
    async operationalCounts() {
      return { grantsByStatus: await store.grants.countByStatus(), recordingBacklog: recording.backlog }
    },
  }
}

/** A grant request, with the evidence on it for the approver and the requester. */
async function requestGrantWithEvidence(
  ctx: CoreContext,
  rt: CoreRuntime,
  actor: Principal,
  input: GrantRequestInput,
): Promise<GrantRequestResult> {
  const { registered } = rt
  const result = await requestGrant(ctx, actor, input, {
    planStatements: (kind) => registered.planners.get(kind),
    implicitScope: (kind) => registered.implicitScopes.get(kind),
  })
  if (result.grant.status === 'denied') return result
  // Evidence is for the approver and the requester; a store hiccup reading it does not undo the grant.
  const evidence = await rt.anomalies.requested(result.grant).catch((error: unknown) => {
    rt.logger.warn(
      { err: error, grantId: result.grant.id },
      'could not gather the evidence on a grant request',
    )
    return undefined
  })
  if (!evidence) return result
  const planCheck = planCheckFor(ctx, rt, result.grant)
  return { ...result, evidence: planCheck ? { ...evidence, planCheck } : evidence }
}

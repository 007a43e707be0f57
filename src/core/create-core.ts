import { timingSafeEqual } from 'node:crypto'
import type { Logger } from 'pino'
import type { Config, ResourceConfig } from '../config/schema.ts'
import type { Store } from '../store/store.ts'
import { adviseScopes } from './advice/advise-scopes.ts'
import { AnomalyAudit } from './advice/anomaly-audit.ts'
import { grantEvidence } from './advice/grant-evidence.ts'
import type { Approval } from './approvals/approval.ts'
import { approvalRisk } from './approvals/approval-risk.ts'
import { decideApproval } from './approvals/decide-approval.ts'
import { holdAction } from './approvals/hold-action.ts'
import type { ApprovalNotificationType } from './approvals/notify/notification.ts'
import { checkpointIsAuthentic } from './audit/audit-checkpoint.ts'
import type { AuditEventInput } from './audit/events.ts'
import type { AuditSinkStatus } from './audit/export/audit-exporter.ts'
import { GENESIS_HASH, hashEntry } from './audit/hash-chain.ts'
import { createLoginAudit, DEFAULT_LOGIN_AUDIT_LIMITS, type LoginAttempt } from './audit/login-audit.ts'
import { pruneAudit } from './audit/prune-audit.ts'
import { verifyAuditLog } from './audit/verify-audit-log.ts'
import { authorizeGrantView, authorizeOversight, requireAdmin } from './authorize.ts'
import { GrantBudgets } from './budgets/grant-budgets.ts'
import { type Clock, systemClock } from './clock.ts'
import type { Core, GrantContext, SessionHandle } from './core.ts'
import type { CoreContext } from './core-context.ts'
import { TaskgateError } from './errors.ts'
import { parseDurationSeconds } from './grants/duration.ts'
import { endGrant } from './grants/end-grant.ts'
import { startExpirySweeper } from './grants/expiry-sweeper.ts'
import type { Grant } from './grants/grant.ts'
import { isLive } from './grants/grant.ts'
import { grantNotActive, grantStateText } from './grants/grant-not-active.ts'
import { offPlanStatements, type PlanStatements } from './grants/grant-plan.ts'
import { policyFor } from './grants/grant-policy.ts'
import { sha256Hex } from './grants/issue-credential.ts'
import { issueGrantCredential } from './grants/issue-grant-credential.ts'
import { startProvisioningReconciler } from './grants/reconcile-provisioning.ts'
import { requestGrant } from './grants/request-grant.ts'
import { createBearerAuthenticator } from './identity/authenticate.ts'
import { verifyGatewayToken } from './identity/gateway-token.ts'
import { ANONYMOUS_BEARER, createLoginGate } from './identity/login-gate.ts'
import { isAdmin, type Principal } from './identity/principal.ts'
import { deleteServiceAccount, disableServiceAccount } from './identity/retire-service-account.ts'
import { newServiceAccountKey, parseServiceAccountKey } from './identity/service-account-key.ts'
import { newId } from './ids.ts'
import { maskingContextFor } from './masking/masking-context.ts'
import { type MaskingProbe, testMasking } from './masking/masking-test.ts'
import { compileMaskingRules } from './masking/rules.ts'
import { type CoreMetrics, NO_METRICS } from './metrics/core-metrics.ts'
import { countHeld } from './metrics/count-held.ts'
import { countStoreFailures } from './metrics/count-store-failures.ts'
import { checkReadiness } from './metrics/readiness.ts'
import { decide } from './policy/decide.ts'
import { type Reclassify, replayPolicy } from './policy/replay-policy.ts'
import { wantsRowEstimate } from './policy/row-estimate.ts'
import type { ImplicitScope, Rules } from './policy/rules.ts'
import { rulesForResource } from './policy/rules-for-resource.ts'
import type { ActionRecord } from './recording/events.ts'
import { pruneRecordings } from './recording/prune-recordings.ts'
import { SessionRecording } from './recording/session-recording.ts'
import { endSession, onSessionEndRequested } from './sessions/end-session.ts'
import { LiveSessions } from './sessions/live-sessions.ts'
import { startProcessRegistry } from './sessions/process-registry.ts'
import { SessionEndRetries } from './sessions/session-end-retries.ts'
import { refuseOverSessionLimits } from './sessions/session-limits.ts'

export interface CoreOptions {
  config: Config
  store: Store
  logger: Logger
  clock?: Clock
  /** Verifies OIDC tokens; absent when no issuer is configured. */
  verifyOidc?: (token: string) => Promise<Principal>
  /** identity.tokenSigningKey, resolved: `tgt_` tokens (minted after a SAML sign-in) verify against it. */
  gatewayTokenKey?: string
  sweepIntervalMs?: number
  /** How often this process beats and when a silent peer counts as dead (process-registry.ts). */
  processRegistry?: { intervalMs?: number; deadAfterMs?: number }
  /** How often provisioning is reconciled (reconcile-provisioning.ts); 30 s by default. */
  reconcileIntervalMs?: number
  /** Called on every approval change (notifiers); must not block. */
  approvalListeners?: ApprovalListener[]
  /** `masking.hashKey`, already read from its secret; without it `hash` tokens are stable per process. */
  maskingHashKey?: string
  /** Counters and histograms for /metrics (api/prometheus-metrics.ts); none by default. */
  metrics?: CoreMetrics
  /** The SIEM exporter's status (main.ts starts it in the primary process); no sinks when absent. */
  auditSinkStatus?: () => Promise<AuditSinkStatus[]>
  /** `retention.checkpointKey`, read from its secret: signs and verifies the audit retention checkpoint. */
  auditCheckpointKey?: string
}

export type ApprovalListener = (type: ApprovalNotificationType, approval: Approval) => void

interface ApprovedAction {
  text: string
  approvalId: string
  approvedBy: string | undefined
  approvedByName: string | undefined
}

/** Builds the core: the only place that knows how the operations are wired together. */
export function createCore(options: CoreOptions): Core {
  const { config, logger } = options
  const metrics = options.metrics ?? NO_METRICS
  const store = options.metrics ? countStoreFailures(options.store, metrics) : options.store
  const clock = options.clock ?? systemClock
  const resources = new Map<string, ResourceConfig>(config.resources.map((r) => [r.id, r]))
  const approvalListeners = new Set<ApprovalListener>(options.approvalListeners ?? [])
  let draining = false
  const ctx: CoreContext = {
    config,
    store,
    clock,
    logger,
    resources,
    provisioners: new Map(),
    addresses: new Map(),
    live: new LiveSessions(),
    processId: newId('p'),
    audit: (event: AuditEventInput) => store.audit.append(event, clock.now(), hashEntry),
    notify: (type, approval) => {
      for (const listener of approvalListeners) {
        try {
          listener(type, approval)
        } catch (error) {
          logger.error({ err: error }, 'approval listener failed')
        }
      }
    },
    isAdmin: (p) => isAdmin(p, config.identity.adminGroups),
    approverGroupsFor: (resourceId) => [
      ...new Set(
        config.policies
          .filter((p) => p.resources.includes('*') || p.resources.includes(resourceId))
          .flatMap((p) => p.approvers),
      ),
    ],
  }
  const gatewayTokenKey = options.gatewayTokenKey
  const bearer = createBearerAuthenticator(
    store,
    options.verifyOidc,
    gatewayTokenKey === undefined
      ? undefined
      : (token) => verifyGatewayToken(gatewayTokenKey, token, clock.now()),
  )
  const sweeper = startExpirySweeper(ctx, options.sweepIntervalMs)
  const registry = startProcessRegistry(ctx, options.processRegistry)
  const sessionEnds = new SessionEndRetries(logger)
  const reconciler = startProvisioningReconciler(ctx, options.reconcileIntervalMs)
  const stopSessionEnds = store.subscribe('session_end_requested', (payload) =>
    onSessionEndRequested(ctx, payload),
  )
  const budgets = new GrantBudgets(ctx)
  const anomalies = new AnomalyAudit(ctx)
  const rulesByResource = new Map<string, Rules>()
  // Held actions approved and not yet recorded, per session. The protocol records a statement when it
  // completes (recordAction), knowing nothing of the approval; core attaches it to that record.
  const approvedActions = new Map<string, ApprovedAction[]>()
  /** The approval that let this statement run, consumed by its record. A protocol may show the approver
   * more than it records (PostgreSQL adds a prepared statement's parameters on lines after the text). */
  const takeApproval = (sessionId: string, text: string) => {
    const approved = approvedActions.get(sessionId)
    if (!approved) return undefined
    const i = approved.findIndex((a) => a.text === text || a.text.startsWith(`${text}\n`))
    if (i < 0) return undefined
    const [{ approvalId, approvedBy, approvedByName }] = approved.splice(i, 1) as [ApprovedAction]
    if (approved.length === 0) approvedActions.delete(sessionId)
    return {
      approvalId,
      ...(approvedBy !== undefined ? { approvedBy } : {}),
      ...(approvedByName !== undefined ? { approvedByName } : {}),
    }
  }
  const recording = new SessionRecording({
    onFailure: config.recording.onFailure,
    writeActions: (batch) => store.sessions.appendActions(batch),
    audit: ctx.audit,
    now: () => clock.now(),
    logger,
    takeApproval,
  })
  // Compiled once at start: a bad pattern or unknown detector stops the gateway with the key's path.
  const maskingRules = compileMaskingRules({ ...config.masking, hashKey: options.maskingHashKey })
  const maskingProbes = new Map<string, MaskingProbe>()
  const maskingFor = (resourceId: string, groups: readonly string[]) =>
    maskingContextFor(maskingRules, resourceId, groups)

  const implicitScopes = new Map<string, ImplicitScope>()
  const reclassifiers = new Map<string, Reclassify>()
  const planners = new Map<string, PlanStatements>()
  const rulesFor = (resource: ResourceConfig): Rules => {
    let rules = rulesByResource.get(resource.id)
    if (!rules) {
      rules = {
        ...rulesForResource(config, resource, implicitScopes.get(resource.kind)),
        masking: (groups) => maskingFor(resource.id, groups),
      }
      rulesByResource.set(resource.id, rules)
    }
    return rules
  }

  const loadGrant = async (id: string): Promise<Grant> => {
    const grant = await store.grants.get(id)
    if (!grant) throw new TaskgateError('TG_NOT_FOUND', { message: `No grant ${id}.` })
    return grant
  }

  const loginAudit = createLoginAudit(ctx.audit, clock)
  // A flood that stopped mid-minute still gets its summary written.
  const loginAuditTimer = setInterval(() => {
    loginAudit.flush().catch((error: unknown) => logger.error({ err: error }, 'could not audit logins'))
  }, DEFAULT_LOGIN_AUDIT_LIMITS.windowMs)
  loginAuditTimer.unref()
  // Digests of bearer tokens whose first API use is audited; bounded, so at worst a token is logged twice.
  const seenBearers = new Set<string>()
  const { failed: auditLoginFailure, admit: admitLogin } = createLoginGate(
    loginAudit,
    config.limits.failedLogins,
    clock,
    logger,
  )

  const authenticate = async (token: string, login?: LoginAttempt): Promise<Principal> => {
    if (!login) return bearer.authenticate(token)
    const named = parseServiceAccountKey(token.trim())
    await admitLogin({ ...login, user: named ? `sa:${named.name}` : ANONYMOUS_BEARER })
    let principal: Principal
    try {
      principal = await bearer.authenticate(token)
    } catch (error) {
      // A missing token is no attempt; an unreachable IdP or store is not the caller's failure.
      if (
        error instanceof TaskgateError &&
        error.kind === 'unauthenticated' &&
        error.code !== 'TG_AUTH_MISSING'
      ) {
        await auditLoginFailure({
          ...login,
          user: named ? `sa:${named.name}` : ANONYMOUS_BEARER,
          reason: error.code,
        })
      }
      throw error
    }
    if (login.channel !== 'console') {
      const digest = sha256Hex(token)
      if (seenBearers.has(digest)) return principal
      if (seenBearers.size >= 10_000) seenBearers.clear()
      seenBearers.add(digest)
    }
    // Awaited: a login the audit log cannot record does not happen (fail closed).
    await loginAudit.succeeded({ ...login, actor: principal.id, data: { via: principal.via } })
    return principal
  }

  const resolveLogin = async (
    credential: { grantId: string; resourceId: string; username?: string },
    client?: string,
  ): Promise<GrantContext> => {
    const grant = await store.grants.get(credential.grantId)
    const resource = resources.get(credential.resourceId)
    const attempt = {
      channel: resource?.kind ?? 'data-path',
      client,
      user: credential.username ?? credential.grantId,
      resource: credential.resourceId,
    }
    if (!grant || !resource || grant.resourceId !== resource.id) {
      await auditLoginFailure({ ...attempt, reason: 'TG_CREDENTIAL_INVALID' })
      throw new TaskgateError('TG_CREDENTIAL_INVALID')
    }
    if (!isLive(grant, clock.now())) {
      await auditLoginFailure({
        ...attempt,
        reason: `TG_GRANT_NOT_ACTIVE: grant ${grant.id} is ${grantStateText(grant, clock.now())}`,
      })
      throw grantNotActive(grant, clock.now())
    }
    await loginAudit.succeeded({
      channel: resource.kind,
      client,
      actor: grant.principalId,
      subject: grant.id,
      data: { resource: resource.id, grant: grant.id, user: attempt.user },
    })
    return { grant, resource }
  }

  const dataPathAttempt = (resourceId: string, user: string, client: string | undefined) => ({
    channel: resources.get(resourceId)?.kind ?? 'data-path',
    client,
    user,
    resource: resourceId,
  })

  const core: Core = {
    config,
    clock,
    authenticate,

    async createServiceAccount(actor, input) {
      requireAdmin(ctx, actor)
      if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(input.name)) {
        throw new TaskgateError('TG_REQUEST_INVALID', {
          message: 'Account names use lowercase letters, digits and dashes.',
        })
      }
      if (input.groups.length === 0)
        throw new TaskgateError('TG_REQUEST_INVALID', { message: 'Give the account at least one group.' })
      const existing = await store.serviceAccounts.get(input.name)
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
        createdAt: clock.now(),
        createdBy: actor.id,
      }
      await store.serviceAccounts.insert(account)
      await ctx.audit({
        type: 'service_account.created',
        actor: actor.id,
        subject: `sa:${input.name}`,
        data: { groups: input.groups },
      })
      return { account, key }
    },
    async listServiceAccounts(actor) {
      requireAdmin(ctx, actor)
      return store.serviceAccounts.list()
    },

    async rotateServiceAccountKey(actor, name) {
      if (actor.id !== `sa:${name}`) requireAdmin(ctx, actor)
      const account = await store.serviceAccounts.get(name)
      if (!account || account.deletedAt)
        throw new TaskgateError('TG_NOT_FOUND', { message: `No service account ${name}.` })
      const { key, keyHash } = newServiceAccountKey(name)
      await store.serviceAccounts.setKeyHash(name, keyHash)
      await ctx.audit({
        type: 'admin.action',
        actor: actor.id,
        subject: `sa:${name}`,
        data: { action: 'key.rotated' },
      })
      return { account: { ...account, keyHash }, key }
    },
    disableServiceAccount: (actor, name, reason) => disableServiceAccount(ctx, actor, name, reason),
    deleteServiceAccount: (actor, name, reason) => deleteServiceAccount(ctx, actor, name, reason),

    listResources(actor) {
      return config.resources.flatMap((resource) => {
        const view = policyFor(actor, resource, config.policies)
        if (!view && !ctx.isAdmin(actor)) return []
        return [{ resource, ceiling: view?.ceiling ?? [], autoApprove: view?.autoApprove ?? [] }]
      })
    },

    async requestGrant(actor, input) {
      const result = await requestGrant(ctx, actor, input, {
        planStatements: (kind) => planners.get(kind),
        implicitScope: (kind) => implicitScopes.get(kind),
      })
      if (result.grant.status === 'denied') return result
      // Evidence is for the approver and the requester; a store hiccup reading it does not undo the grant.
      const evidence = await anomalies.requested(result.grant).catch((error: unknown) => {
        logger.warn(
          { err: error, grantId: result.grant.id },
          'could not gather the evidence on a grant request',
        )
        return undefined
      })
      return evidence ? { ...result, evidence } : result
    },
    async grantEvidence(actor, id) {
      const grant = await loadGrant(id)
      authorizeGrantView(ctx, actor, grant)
      return grantEvidence(ctx, grant, true)
    },
    async offPlanStatements(actor, id) {
      const grant = await loadGrant(id)
      authorizeGrantView(ctx, actor, grant)
      const planStatements = planners.get(ctx.resources.get(grant.resourceId)?.kind ?? '')
      if (!grant.plan || !planStatements) return undefined
      await recording.flush()
      const actions: ActionRecord[] = []
      for (const session of await store.sessions.list({ grantId: grant.id }))
        actions.push(...(await store.sessions.listActions(session.id)))
      return offPlanStatements(grant.plan, actions, planStatements)
    },
    async grantBudget(actor, id) {
      const grant = await loadGrant(id)
      authorizeGrantView(ctx, actor, grant)
      return budgets.view(grant)
    },
    async getGrant(actor, id) {
      const grant = await loadGrant(id)
      authorizeGrantView(ctx, actor, grant)
      return grant
    },
    async listGrants(actor, filter) {
      if (ctx.isAdmin(actor)) return store.grants.list(filter)
      const own = await store.grants.list({ ...filter, principalId: actor.id })
      const approvable = config.resources
        .filter((r) => ctx.approverGroupsFor(r.id).some((g) => actor.groups.includes(g)))
        .filter((r) => !filter.resourceId || filter.resourceId === r.id)
      const others = (
        await Promise.all(approvable.map((r) => store.grants.list({ ...filter, resourceId: r.id })))
      ).flat()
      const byId = new Map([...own, ...others].map((g) => [g.id, g]))
      return [...byId.values()]
        .sort((a, b) => b.requestedAt.getTime() - a.requestedAt.getTime())
        .slice(0, filter.limit ?? 100)
    },
    async issueCredential(actor, grantId) {
      const grant = await loadGrant(grantId)
      if (grant.principalId !== actor.id) {
        throw new TaskgateError('TG_FORBIDDEN', {
          message: 'Only the principal a grant was issued to can obtain its credential.',
        })
      }
      if (!isLive(grant, clock.now())) {
        // A pending grant is stored before its approval: name the approval it waits on.
        const approvalId =
          grant.status === 'pending'
            ? (grant.approvalId ??
              (await store.approvals.list({ grantId, status: ['pending'], limit: 1 }))[0]?.id)
            : undefined
        throw grantNotActive({ ...grant, ...(approvalId ? { approvalId } : {}) }, clock.now())
      }
      return issueGrantCredential(ctx, grant)
    },
    async endGrant(actor, grantId) {
      const grant = await loadGrant(grantId)
      if (grant.principalId !== actor.id && !ctx.isAdmin(actor)) {
        throw new TaskgateError('TG_FORBIDDEN', {
          message: 'Only the requester (or an administrator) marks a task done; approvers revoke.',
        })
      }
      if (grant.status !== 'active' && grant.status !== 'pending') {
        throw new TaskgateError('TG_CONFLICT', { message: `Grant ${grantId} is already ${grant.status}.` })
      }
      await endGrant(ctx, grant, grant.status === 'pending' ? 'cancelled' : 'completed', actor.id)
      return loadGrant(grantId)
    },
    async revokeGrant(actor, grantId, reason) {
      const grant = await loadGrant(grantId)
      const approver = ctx.approverGroupsFor(grant.resourceId).some((g) => actor.groups.includes(g))
      if (!ctx.isAdmin(actor) && !approver) {
        throw new TaskgateError('TG_FORBIDDEN', {
          message: 'Only administrators and the resource approvers revoke grants.',
        })
      }
      if (!reason?.trim())
        throw new TaskgateError('TG_REQUEST_INVALID', { message: 'Say why: --reason "..."' })
      if (grant.status !== 'active' && grant.status !== 'pending') {
        throw new TaskgateError('TG_CONFLICT', { message: `Grant ${grantId} is already ${grant.status}.` })
      }
      await endGrant(ctx, grant, 'revoked', actor.id, reason)
      return loadGrant(grantId)
    },

    async listApprovals(actor, filter) {
      const all = await store.approvals.list(filter)
      return ctx.isAdmin(actor)
        ? all
        : all.filter(
            (a) => a.requesterId === actor.id || a.approverGroups.some((g) => actor.groups.includes(g)),
          )
    },
    async getApproval(actor, id) {
      const approval = await store.approvals.get(id)
      const visible =
        approval &&
        (ctx.isAdmin(actor) ||
          approval.requesterId === actor.id ||
          approval.approverGroups.some((g) => actor.groups.includes(g)))
      if (!visible) throw new TaskgateError('TG_NOT_FOUND', { message: `No approval ${id}.` })
      return approval
    },
    decideApproval: (actor, id, verdict, reason) => decideApproval(ctx, actor, id, verdict, reason),
    approvalRisk: (approval) => approvalRisk(ctx, approval),
    async approvalEvidence(approval) {
      const grant = await store.grants.get(approval.grantId)
      return grant && grantEvidence(ctx, grant, approval.subject === 'action')
    },

    findCredential: (resourceId, username) => store.credentials.findByUsername(resourceId, username),
    resolveLogin,
    async authenticateCredential(resourceId, username, secret, client) {
      await admitLogin(dataPathAttempt(resourceId, username, client))
      const credential = await store.credentials.findByUsername(resourceId, username)
      const given = Buffer.from(sha256Hex(secret), 'hex')
      const stored = Buffer.from(credential?.secretHash ?? GENESIS_HASH, 'hex')
      if (!credential || !timingSafeEqual(given, stored)) {
        await auditLoginFailure({
          channel: resources.get(resourceId)?.kind ?? 'data-path',
          client,
          user: username,
          resource: resourceId,
          reason: credential ? 'wrong secret' : 'unknown user',
        })
        throw new TaskgateError('TG_CREDENTIAL_INVALID')
      }
      return resolveLogin(credential, client)
    },
    admitLogin: (resourceId, username, client) => admitLogin(dataPathAttempt(resourceId, username, client)),
    loginFailed: (resourceId, username, reason, client) =>
      auditLoginFailure({
        channel: resources.get(resourceId)?.kind ?? 'data-path',
        client,
        user: username,
        resource: resourceId,
        reason,
      }),
    async openSession({ context, protocol, client, close }) {
      refuseOverSessionLimits(ctx.live, context.grant, config.limits)
      const now = clock.now()
      const id = newId('s')
      const handle: SessionHandle = {
        id,
        grant: context.grant,
        resource: context.resource,
        protocol,
        close,
        countResult: (read) => budgets.countResult(handle, read),
      }
      // The session and its session.started entry land in one transaction: a login burst that saturates the
      // store fails logins, never leaves a session without its audit entry.
      await store.sessions.insert(
        {
          id,
          grantId: context.grant.id,
          principalId: context.grant.principalId,
          principalName: context.grant.principalName,
          resourceId: context.resource.id,
          protocol,
          client,
          startedAt: now,
          processId: ctx.processId,
        },
        {
          event: {
            type: 'session.started',
            actor: context.grant.principalId,
            subject: id,
            data: { grant: context.grant.id, protocol, client },
          },
          hashEntry,
        },
      )
      ctx.live.add(handle)
      metrics.sessionOpened(context.resource.id, protocol)
      return handle
    },
    decide(session, action) {
      const started = performance.now()
      // Nothing runs that cannot be recorded (recording.onFailure: block): checked first, so the denial
      // does not wait on the store it could not write to (it is recorded and audited once the store is back).
      const decision =
        recording.gate() ?? decide(action, session.grant, rulesFor(session.resource), clock.now())
      metrics.decisionTimed((performance.now() - started) / 1000)
      if (decision.outcome === 'deny') {
        recording.auditDenial({
          type: 'action.denied',
          actor: session.grant.principalId,
          subject: session.id,
          data: {
            rule: decision.rule,
            kind: action.kind,
            text: (action.recordText ?? action.text).slice(0, 2000),
          },
        })
      }
      return decision
    },
    wantsRowEstimate(session, action) {
      return wantsRowEstimate(action, session.grant, rulesFor(session.resource), clock.now())
    },
    async holdAction(session, decision, action, digest) {
      const guardrail = rulesFor(session.resource).guardrails.find(
        (g) => `guardrail:${g.id}` === decision.rule,
      )
      const approvers = guardrail?.approverGroups ?? ctx.approverGroupsFor(session.resource.id)
      const held = await holdAction(
        ctx,
        session,
        decision,
        action,
        digest,
        approvers.length > 0 ? approvers : config.identity.adminGroups,
        (approval) => {
          const approved = approvedActions.get(session.id) ?? []
          approved.push({
            text: action.text,
            approvalId: approval.id,
            approvedBy: approval.decidedBy,
            approvedByName: approval.decidedByName,
          })
          approvedActions.set(session.id, approved)
        },
      )
      return countHeld(held, session.resource.id, metrics)
    },
    startAction(session, record, options) {
      metrics.actionDecided(session.resource.id, session.protocol, record.outcome, record.rule)
      budgets.countStatement(session, record.needs)
      return recording.start(session, record, options.write)
    },
    recordAction(session, record, seq) {
      // A statement's first record counts it: an allowed one starts (startAction) and is completed here.
      if (seq === undefined)
        metrics.actionDecided(session.resource.id, session.protocol, record.outcome, record.rule)
      recording.record(session, record, seq)
    },
    async closeSession(session, reason) {
      ctx.live.remove(session)
      metrics.sessionClosed(session.resource.id, session.protocol)
      recording.forget(session)
      approvedActions.delete(session.id)
      await recording.flush()
      const at = clock.now()
      const finish = async () => {
        await store.sessions.end(session.id, at, reason, {
          event: {
            type: 'session.ended',
            actor: session.grant.principalId,
            subject: session.id,
            data: { reason },
          },
          hashEntry,
        })
        void anomalies.sessionClosed(session.grant)
        if (session.grant.sessionBound && ctx.live.countFor(session.grant.id) === 0) {
          const grant = await store.grants.get(session.grant.id)
          if (grant?.status === 'active') await endGrant(ctx, grant, 'session-closed', 'system')
        }
      }
      try {
        await finish()
      } catch (error) {
        sessionEnds.add(session.id, finish)
        throw error
      }
    },
    registerPlanner(resourceKind, planStatements) {
      planners.set(resourceKind, planStatements)
    },
    registerReclassifier(resourceKind, reclassify) {
      reclassifiers.set(resourceKind, reclassify)
    },
    registerImplicitScope(resourceKind, scope) {
      implicitScopes.set(resourceKind, scope)
      rulesByResource.clear()
    },
    registerProvisioner(resourceId, provisioner) {
      ctx.provisioners.set(resourceId, provisioner)
    },
    setResourceAddress(resourceId, address) {
      ctx.addresses.set(resourceId, address)
    },
    beginDrain() {
      draining = true
    },

    maskingFor,
    registerMaskingProbe(resourceId, probe) {
      maskingProbes.set(resourceId, probe)
    },
    testMasking: (actor, input) => testMasking(ctx, maskingProbes, maskingFor, actor, input),

    async listSessions(actor, filter) {
      return authorizeOversight(ctx, actor)
        ? store.sessions.list(filter)
        : store.sessions.list({ ...filter, principalId: actor.id })
    },
    async getSession(actor, id) {
      const session = await store.sessions.get(id)
      if (!session || (!authorizeOversight(ctx, actor) && session.principalId !== actor.id)) {
        throw new TaskgateError('TG_NOT_FOUND', { message: `No session ${id}.` })
      }
      await recording.flush()
      return { session, actions: await store.sessions.listActions(id) }
    },
    endSession: (actor, id, reason) => endSession(ctx, actor, id, reason),
    async replayPolicy(actor, input) {
      await recording.flush()
      return replayPolicy(ctx, { reclassifiers, implicitScopes }, actor, input)
    },
    async adviseScopes(actor, filter) {
      await recording.flush()
      return adviseScopes(ctx, actor, filter)
    },
    audit: (event) => ctx.audit(event),
    async listAudit(actor, filter) {
      if (!authorizeOversight(ctx, actor))
        throw new TaskgateError('TG_FORBIDDEN', {
          message: 'Only administrators and approvers read the audit log.',
        })
      // Denials are audited in the background (the statement does not wait for the store): a reader sees
      // the ones already decided, as getSession sees the statements already recorded.
      await recording.flush()
      return store.audit.list(filter)
    },
    async verifyAudit(actor, anchor) {
      if (!authorizeOversight(ctx, actor))
        throw new TaskgateError('TG_FORBIDDEN', {
          message: 'Only administrators and approvers verify the audit log.',
        })
      // Head and entries are two reads: an append between them would look like an entry written outside
      // the gateway. Read the head again after the entries and retry while appends keep landing.
      const checkpoint = await store.audit.checkpoint()
      if (checkpoint) {
        const key = options.auditCheckpointKey
        const problem = !key
          ? `the log was pruned up to seq ${checkpoint.seq}; its checkpoint can be verified only with retention.checkpointKey`
          : checkpointIsAuthentic(key, checkpoint)
            ? undefined
            : 'the retention checkpoint does not match its signature (checkpoint changed)'
        if (problem) return { ok: false, entries: 0, brokenAt: checkpoint.seq, problem }
      }
      const start = checkpoint ? { seq: checkpoint.seq, hash: checkpoint.hash } : undefined
      for (let attempt = 1; ; attempt++) {
        const head = await store.audit.head()
        const entries = await store.audit.list({})
        const after = await store.audit.head()
        if (after?.seq === head?.seq || attempt === 5) return verifyAuditLog(entries, head, anchor, start)
      }
    },
    async auditSinks(actor) {
      if (!authorizeOversight(ctx, actor))
        throw new TaskgateError('TG_FORBIDDEN', {
          message: 'Only administrators and approvers read the audit export status.',
        })
      return options.auditSinkStatus ? options.auditSinkStatus() : []
    },

    async runRetention(actor) {
      requireAdmin(ctx, actor)
      const recordings = await pruneRecordings(ctx, actor.id)
      const policy = config.retention.audit
      const key = options.auditCheckpointKey
      if (!policy || !key) return { audit: { pruned: 0 }, recordings }
      const audit = await pruneAudit(ctx, {
        maxAgeSeconds: parseDurationSeconds(policy.maxAge),
        key,
        sinkIds: config.audit.sinks.map((s) => s.id),
        actor: actor.id,
      })
      return { audit, recordings }
    },
    async holdSession(actor, sessionId, reason) {
      requireAdmin(ctx, actor)
      const placed = await store.recordings.hold({ sessionId, reason, heldBy: actor.id, heldAt: clock.now() })
      if (!placed) throw new TaskgateError('TG_NOT_FOUND', { message: `No session ${sessionId}.` })
      await ctx.audit({ type: 'legal_hold.placed', actor: actor.id, subject: sessionId, data: { reason } })
    },
    async releaseSession(actor, sessionId) {
      requireAdmin(ctx, actor)
      if (!(await store.recordings.release(sessionId)))
        throw new TaskgateError('TG_NOT_FOUND', { message: `Session ${sessionId} has no legal hold.` })
      await ctx.audit({ type: 'legal_hold.released', actor: actor.id, subject: sessionId })
    },

    subscribe: (channel, listener) => store.subscribe(channel, listener),
    readiness: () => checkReadiness(config, store, ctx.addresses, draining),
    async operationalCounts() {
      return { grantsByStatus: await store.grants.countByStatus(), recordingBacklog: recording.backlog }
    },

    async close() {
      stopSessionEnds()
      clearInterval(loginAuditTimer)
      await loginAudit
        .flush(true)
        .catch((error: unknown) => logger.error({ err: error }, 'could not audit logins'))
      await sweeper.stop()
      await reconciler.stop()
      await recording.close()
      await sessionEnds.stop()
      await registry.stop()
    },
  }
  return core
}

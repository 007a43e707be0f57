// The data-path port (ports/data-path-port.ts) over core's shared state: each operation is its own file.
import { holdSessionAction } from './approvals/hold-session-action.ts'
import type { CoreContext } from './core-context.ts'
import type { CoreRuntime } from './core-runtime.ts'
import { authenticateCredential, dataPathAttempt, resolveLogin } from './identity/data-path-login.ts'
import { timeAdded } from './metrics/time-added.ts'
import { resourceAttributes } from './metrics/trace-attributes.ts'
import { decideForSession } from './policy/decide-for-session.ts'
import { wantsRowEstimate } from './policy/row-estimate.ts'
import type { DataPathPort } from './ports/data-path-port.ts'
import { closeSession } from './sessions/close-session.ts'
import { openSession } from './sessions/open-session.ts'
import type { GrantContext } from './sessions/session-handle.ts'

export function createDataPathPort(ctx: CoreContext, rt: CoreRuntime): DataPathPort {
  const { store, clock, config } = ctx
  const { registered } = rt
  return {
    config,
    clock,
    subscribe: (channel, listener) => store.subscribe(channel, listener),

    findCredential: (resourceId, username) => store.credentials.findByUsername(resourceId, username),
    resolveLogin: (credential, client) =>
      tracedLogin(ctx, credential.resourceId, () => resolveLogin(ctx, rt, credential, client)),
    authenticateCredential: (resourceId, username, secret, client) =>
      tracedLogin(ctx, resourceId, () =>
        authenticateCredential(ctx, rt, { resourceId, username, secret, client }),
      ),
    // A login refused before its secret is checked is a span of its own; an admitted one is traced by the
    // resolveLogin or loginFailed that follows.
    admitLogin: (resourceId, username, client) =>
      rt.loginGate
        .admit(dataPathAttempt(ctx, resourceId, username, client))
        .catch((error: unknown) =>
          ctx.tracer.span('taskgate.login', resourceAttributes(ctx, resourceId), () => Promise.reject(error)),
        ),
    loginFailed: (resourceId, username, reason, client) =>
      ctx.tracer.span('taskgate.login', resourceAttributes(ctx, resourceId), async (span) => {
        // The protocol refused the client's proof (a password proof, an SSH key): its credential is not valid.
        span.set({ 'taskgate.outcome': 'refused', 'taskgate.error.code': 'TG_CREDENTIAL_INVALID' })
        await rt.loginGate.failed({ ...dataPathAttempt(ctx, resourceId, username, client), reason })
      }),
    openSession: (input) => openSession(ctx, rt, input),
    decide: (session, action) => decideForSession(ctx, rt, session, action),
    wantsRowEstimate: (session, action) =>
      wantsRowEstimate(action, session.grant, rt.rulesFor(session.resource), clock.now()),
    // A held statement waits for a person: one span for putting it on hold (not for the statement).
    holdAction: (session, decision, action, digest) =>
      ctx.tracer.span(
        'taskgate.action.hold',
        {
          ...resourceAttributes(ctx, session.resource.id),
          'taskgate.session.id': session.id,
          'taskgate.grant.id': session.grant.id,
        },
        async (span) => {
          const held = await holdSessionAction(ctx, rt, session, { decision, action, digest })
          span.set({ 'taskgate.approval.id': held.approvalId, 'taskgate.outcome': 'held' })
          return held
        },
      ),
    startAction(session, record, options) {
      rt.metrics.actionDecided(session.resource.id, session.protocol, record.outcome, record.rule)
      rt.budgets.countStatement(session, record.needs)
      const started = rt.recording.start(session, record, options.write)
      if (options.receivedAt !== undefined)
        timeAdded(rt.metrics, session, options.receivedAt, started.durable)
      return started
    },
    recordAction(session, record, seq) {
      // A statement's first record counts it: an allowed one starts (startAction) and is completed here.
      if (seq === undefined)
        rt.metrics.actionDecided(session.resource.id, session.protocol, record.outcome, record.rule)
      rt.recording.record(session, record, seq)
    },
    closeSession: (session, reason) => closeSession(ctx, rt, session, reason),

    registerProvisioner: (resourceId, provisioner) => void ctx.provisioners.set(resourceId, provisioner),
    registerImplicitScope(resourceKind, scope) {
      registered.implicitScopes.set(resourceKind, scope)
      rt.clearRules()
    },
    registerReclassifier: (kind, reclassify) => void registered.reclassifiers.set(kind, reclassify),
    registerPlanner: (kind, planStatements) => void registered.planners.set(kind, planStatements),
    setResourceAddress: (resourceId, address) => void ctx.addresses.set(resourceId, address),
    beginDrain() {
      rt.draining.value = true
    },

    maskingFor: (resourceId, groups) => rt.maskingFor(resourceId, groups),
    registerMaskingProbe: (resourceId, probe) => void registered.maskingProbes.set(resourceId, probe),
  }
}

/** One data-path login: its resource and protocol and how it ended (the error code of a refusal). */
function tracedLogin(
  ctx: CoreContext,
  resourceId: string,
  login: () => Promise<GrantContext>,
): Promise<GrantContext> {
  return ctx.tracer.span('taskgate.login', resourceAttributes(ctx, resourceId), async (span) => {
    const context = await login()
    span.set({ 'taskgate.grant.id': context.grant.id, 'taskgate.outcome': 'succeeded' })
    return context
  })
}

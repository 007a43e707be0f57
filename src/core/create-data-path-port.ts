// The data-path port (ports/data-path-port.ts) over core's shared state: each operation is its own file.
import { holdSessionAction } from './approvals/hold-session-action.ts'
import type { CoreContext } from './core-context.ts'
import type { CoreRuntime } from './core-runtime.ts'
import { authenticateCredential, dataPathAttempt, resolveLogin } from './identity/data-path-login.ts'
import { timeAdded } from './metrics/time-added.ts'
import { decideForSession } from './policy/decide-for-session.ts'
import { wantsRowEstimate } from './policy/row-estimate.ts'
import type { DataPathPort } from './ports/data-path-port.ts'
import { closeSession } from './sessions/close-session.ts'
import { openSession } from './sessions/open-session.ts'

export function createDataPathPort(ctx: CoreContext, rt: CoreRuntime): DataPathPort {
  const { store, clock, config } = ctx
  const { registered } = rt
  return {
    config,
    clock,
    subscribe: (channel, listener) => store.subscribe(channel, listener),

    findCredential: (resourceId, username) => store.credentials.findByUsername(resourceId, username),
    resolveLogin: (credential, client) => resolveLogin(ctx, rt, credential, client),
    authenticateCredential: (resourceId, username, secret, client) =>
      authenticateCredential(ctx, rt, { resourceId, username, secret, client }),
    admitLogin: (resourceId, username, client) =>
      rt.loginGate.admit(dataPathAttempt(ctx, resourceId, username, client)),
    loginFailed: (resourceId, username, reason, client) =>
      rt.loginGate.failed({ ...dataPathAttempt(ctx, resourceId, username, client), reason }),
    openSession: (input) => openSession(ctx, rt, input),
    decide: (session, action) => decideForSession(ctx, rt, session, action),
    wantsRowEstimate: (session, action) =>
      wantsRowEstimate(action, session.grant, rt.rulesFor(session.resource), clock.now()),
    holdAction: (session, decision, action, digest) =>
      holdSessionAction(ctx, rt, session, { decision, action, digest }),
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

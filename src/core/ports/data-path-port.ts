// The data-path port: what a protocol engine asks of core for its clients' logins, sessions and actions,
// and what it registers about its kind (implicit scope, planner, reclassifier, provisioner, masking probe).
// Core knows no wire format; an engine decides nothing itself. One implementation: create-data-path-port.ts.
import type { Config } from '../../config/schema.ts'
import type { HeldAction } from '../approvals/held-action.ts'
import type { Clock } from '../clock.ts'
import type { Credential } from '../grants/credential.ts'
import type { PlanStatements } from '../grants/grant-plan.ts'
import type { GrantProvisioner } from '../grants/grant-provisioner.ts'
import type { MaskingContext } from '../masking/masking-context.ts'
import type { MaskingProbe } from '../masking/masking-test.ts'
import type { Action } from '../policy/action.ts'
import type { Decision } from '../policy/decision.ts'
import type { Reclassify } from '../policy/replay-policy.ts'
import type { ImplicitScope } from '../policy/rules.ts'
import type { ActionInput, StartedAction } from '../recording/session-recording.ts'
import type { GrantContext, SessionEnding, SessionHandle } from '../sessions/session-handle.ts'

/** What both ports offer. */
export interface CoreBasics {
  readonly config: Config
  readonly clock: Clock
  /** Ids of grants or approvals that changed, in this process or another sharing the store; returns unsubscribe. */
  subscribe(channel: 'grant_changed' | 'approval_changed', listener: (id: string) => void): () => void
}

export interface DataPathPort extends CoreBasics {
  /** Looks up the credential for a login (a challenge-response login needs the verifier before the secret is proven). */
  findCredential(resourceId: string, username: string): Promise<Credential | undefined>
  /** Checks the grant behind a proven credential is live (throws TG_GRANT_NOT_ACTIVE otherwise); audits
   * the login either way. `client` is the client's address. */
  resolveLogin(credential: Credential, client?: string): Promise<GrantContext>
  /** Cleartext login: verifies the secret in constant time, then as resolveLogin; a wrong secret is audited. */
  authenticateCredential(
    resourceId: string,
    username: string,
    secret: string,
    client?: string,
  ): Promise<GrantContext>
  /** Throws TG_LOGIN_RATE_LIMITED (audited) when logins from `client` or naming `username` have failed too
   * often lately; a protocol calls it before it starts checking a secret itself (a challenge-response login). */
  admitLogin(resourceId: string, username: string, client?: string): Promise<void>
  /** A login the protocol itself refused (e.g. a challenge-response proof that failed): audited, rate-limited. */
  loginFailed(resourceId: string, username: string, reason: string, client?: string): Promise<void>
  openSession(input: {
    context: GrantContext
    protocol: string
    client: string
    close: (reason: string, ending?: SessionEnding) => void
  }): Promise<SessionHandle>
  /** Decides an action against the session's grant and rules. Synchronous (a pure pipeline over state
   * the session already holds), so a protocol can answer a statement without leaving the current tick. */
  decide(session: SessionHandle, action: Action): Decision
  /** Whether a guardrail with `rowsOver` could match `action` and nothing else denies it: the protocol then
   * estimates the rows (asynchronously) and passes them in `action.estimatedRows` to decide(). Pure and
   * synchronous, so a statement no such rule concerns costs nothing more. */
  wantsRowEstimate(session: SessionHandle, action: Action): boolean
  /**
   * For an approve-first decision: stores an Approval bound to `digest` (see actionDigest) and notifies
   * approvers. The protocol tells its client it is waiting (with the approval id), then awaits `wait()`.
   */
  holdAction(
    session: SessionHandle,
    decision: Extract<Decision, { outcome: 'approve-first' }>,
    action: Action,
    digest: string,
  ): Promise<HeldAction>
  /**
   * Records an allowed action as it starts (batched) and returns its seq, which recordAction completes with
   * the outcome. A `write` under `recording.onFailure: block` also gets `durable`: forward it only once that
   * resolves to allow; it resolves to a denial (already recorded) when the store could not take the record.
   */
  startAction(
    session: SessionHandle,
    record: ActionInput,
    /** `receivedAt`: performance.now() when the engine took the action up, for the added-latency histogram
     * (left out after a wait for a person, which the gateway did not add). */
    options: { write: boolean; receivedAt?: number | undefined },
  ): StartedAction
  /** Records an action's outcome (batched; never awaited on the hot path): the record `seq` from
   * startAction, or a record of its own without it (a denial). */
  recordAction(session: SessionHandle, record: ActionInput, seq?: number): void
  closeSession(session: SessionHandle, reason: string): Promise<void>
  registerProvisioner(resourceId: string, provisioner: GrantProvisioner): void
  /** What sessions on a resource kind may do without asking (catalog reads, transaction control): the
   * protocol knows what its clients send on their own; core applies it in every decision. */
  registerImplicitScope(resourceKind: string, scope: ImplicitScope): void
  /** How a resource kind's recorded action text is classified again (its protocol's classifier), for
   * policy replay: the protocol registers it, so core reads no wire format. */
  registerReclassifier(resourceKind: string, reclassify: Reclassify): void
  /** How a resource kind splits and classifies a plan (grant requests from a plan, flagging what ran off it). */
  registerPlanner(resourceKind: string, planStatements: PlanStatements): void
  /** Tells core where a resource's protocol server really listens (for the connection details it hands out). */
  setResourceAddress(
    resourceId: string,
    address: { host: string; port: number; certificateAuthority?: string },
  ): void
  /** The gateway is shutting down and its listeners no longer accept: readiness reports not-ready from now on,
   * so a load balancer stops sending clients while live sessions finish. */
  beginDrain(): void
  /** The masking rules in force for members of `groups` on a resource; undefined when none applies. */
  maskingFor(resourceId: string, groups: readonly string[]): MaskingContext | undefined
  /** A protocol registers how to run a masking test on its resource (see testMasking). */
  registerMaskingProbe(resourceId: string, probe: MaskingProbe): void
}

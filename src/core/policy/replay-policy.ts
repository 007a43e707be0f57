// `taskgate policy replay`: recorded statements run again through a candidate configuration's policies,
// guardrails and masking rules, each re-classified by its resource kind's own classifier (registered by the
// protocol: core reads no wire format), and compared with what was decided then. Grants are decided again
// too: a grant the candidate would refuse takes all its statements with it.
import { randomBytes } from 'node:crypto'
import type { Config, ResourceConfig } from '../../config/schema.ts'
import { authorizeOversight } from '../authorize.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Grant } from '../grants/grant.ts'
import { decideGrantRequest, policyFor } from '../grants/grant-policy.ts'
import type { Principal } from '../identity/principal.ts'
import { maskingContextFor } from '../masking/masking-context.ts'
import { compileMaskingRules } from '../masking/rules.ts'
import type { ActionRecord } from '../recording/events.ts'
import { listVisibleSessions } from '../sessions/visible-sessions.ts'
import type { Action } from './action.ts'
import { decide } from './decide.ts'
import type { Decision } from './decision.ts'
import type { ImplicitScope, Rules } from './rules.ts'
import { rulesForResource } from './rules-for-resource.ts'

/** How a resource kind turns recorded text back into an Action (its protocol's classifier), given the record's
 * kind and needs too (where a protocol keeps what its text lacks, e.g. an SSH login). Undefined: the record
 * is a note of something no policy decided (an SSH shell's output, a Kubernetes stream piece): not replayed. */
export type Reclassify = (
  text: string,
  resource: ResourceConfig,
  recorded: Pick<ActionRecord, 'kind' | 'needs'>,
) => Action | undefined

export type ReplayOutcome = 'allow' | 'deny' | 'hold'

export interface ReplayExample {
  sessionId: string
  seq: number
  grantId: string
  principalName: string
  text: string
  reason: string
}

/** Statements whose decision changes the same way under the same rule. */
export interface ReplayChange {
  from: ReplayOutcome
  to: ReplayOutcome
  /** The rule that decides now (to deny or hold), or that decided then (what no longer denies or holds). */
  rule: string
  count: number
  examples: ReplayExample[]
}

export interface GrantReplay {
  grantId: string
  principalName: string
  resourceId: string
  /** `granted` at once by policy, or `approved` by a person. */
  from: 'granted' | 'approved'
  to: 'granted' | 'approve' | 'deny'
  reason: string
}

export interface PolicyReplay {
  since: Date
  statements: number
  /** Recorded statements not replayed: decided by something other than policy (limits, the store, an ended
   * grant), or of a resource kind that registered no classifier. */
  skipped: number
  changed: number
  changes: ReplayChange[]
  grants: GrantReplay[]
  /** More sessions or statements were recorded in the window than are replayed (the newest sessions are). */
  truncated: boolean
}

const MAX_REPLAYED_SESSIONS = 20_000
const MAX_REPLAYED_STATEMENTS = 200_000
const EXAMPLES_PER_CHANGE = 3
const EXAMPLE_TEXT_LENGTH = 200
/** Recorded rules a policy decided; anything else (limits, recording, grant state) is not policy's to replay. */
const POLICY_RULES = /^(scope|unclassified|guardrail:.*|masking:.*)$/

export interface ReplayRegistry {
  reclassifiers: ReadonlyMap<string, Reclassify>
  implicitScopes: ReadonlyMap<string, ImplicitScope>
}

export async function replayPolicy(
  ctx: CoreContext,
  registry: ReplayRegistry,
  actor: Principal,
  input: { candidate: Config; since: Date },
): Promise<PolicyReplay> {
  if (!authorizeOversight(ctx, actor))
    throw new TaskgateError('TG_FORBIDDEN', {
      message: 'Only administrators and approvers replay policy (it reads the recordings they may see).',
    })
  const { candidate, since } = input
  // Masking values is not replayed, only the decisions its rules make: any key does for the hash style.
  const masking = compileMaskingRules({ ...candidate.masking, hashKey: randomBytes(32) })
  const rulesById = new Map<string, Rules>()
  const rulesFor = (resource: ResourceConfig): Rules => {
    let rules = rulesById.get(resource.id)
    if (!rules) {
      rules = {
        ...rulesForResource(candidate, resource, registry.implicitScopes.get(resource.kind)),
        masking: (groups) => maskingContextFor(masking, resource.id, groups),
      }
      rulesById.set(resource.id, rules)
    }
    return rules
  }
  // An approver replays the sessions they may see (their resources' and their own), as they may read them.
  const sessions = await listVisibleSessions(ctx, actor, { since, limit: MAX_REPLAYED_SESSIONS })
  const result: PolicyReplay = {
    since,
    statements: 0,
    skipped: 0,
    changed: 0,
    changes: [],
    grants: [],
    truncated: sessions.length === MAX_REPLAYED_SESSIONS,
  }
  const changes = new Map<string, ReplayChange>()
  const grants = new Map<string, { grant: Grant; regranted?: GrantReplay } | undefined>()
  for (const session of sessions) {
    if (result.statements >= MAX_REPLAYED_STATEMENTS) {
      result.truncated = true
      break
    }
    let known = grants.get(session.grantId)
    if (!grants.has(session.grantId)) {
      const grant = await ctx.store.grants.get(session.grantId)
      known = grant && { grant, ...grantChange(grant, candidate) }
      grants.set(session.grantId, known)
      if (known?.regranted) result.grants.push(known.regranted)
    }
    const resource = candidate.resources.find((r) => r.id === session.resourceId)
    const reclassify = registry.reclassifiers.get(
      resource?.kind ?? ctx.resources.get(session.resourceId)?.kind ?? '',
    )
    for (const record of await ctx.store.sessions.listActions(session.id)) {
      const from = recordedOutcome(record)
      const action =
        from === undefined || !reclassify ? undefined : reclassified(reclassify, record, resource)
      if (!known || !action || from === undefined) {
        result.skipped++
        continue
      }
      result.statements++
      const decision: Decision | { outcome: 'deny'; rule: string; reason: string } =
        known.regranted?.to === 'deny' || !resource
          ? {
              outcome: 'deny',
              rule: 'policy',
              reason: known.regranted?.reason ?? 'the resource is not configured',
            }
          : decideAgain(action, record, known.grant, rulesFor(resource))
      const to = decision.outcome === 'approve-first' ? 'hold' : decision.outcome
      if (to === from) continue
      result.changed++
      const rule = decision.outcome === 'allow' ? (record.rule ?? 'approval') : decision.rule
      const key = `${from}\u0000${to}\u0000${rule}`
      const change = changes.get(key) ?? { from, to, rule, count: 0, examples: [] }
      change.count++
      if (change.examples.length < EXAMPLES_PER_CHANGE)
        change.examples.push({
          sessionId: session.id,
          seq: record.seq,
          grantId: session.grantId,
          principalName: session.principalName,
          text: record.text.slice(0, EXAMPLE_TEXT_LENGTH),
          reason: decision.outcome === 'allow' ? 'allowed now' : decision.reason,
        })
      changes.set(key, change)
    }
  }
  result.changes = [...changes.values()].sort((a, b) => b.count - a.count || a.rule.localeCompare(b.rule))
  return result
}

/** What was decided then: a statement that ran after a person approved it was held. */
function recordedOutcome(record: ActionRecord): ReplayOutcome | undefined {
  if (record.rule !== undefined && !POLICY_RULES.test(record.rule)) return undefined
  if (record.outcome === 'approve-first' || record.approvalId !== undefined) return 'hold'
  return record.outcome
}

/** The record classified again; one that no longer classifies is unclassified (denied, as it would be now). */
function reclassified(
  reclassify: Reclassify,
  record: ActionRecord,
  resource: ResourceConfig | undefined,
): Action | undefined {
  // Without the resource in the candidate the statement is denied whatever it is; any placeholder does.
  if (!resource) return { protocol: 'unknown', kind: record.kind, needs: [], traits: [], text: record.text }
  try {
    return reclassify(record.text, resource, record)
  } catch {
    return {
      protocol: 'unknown',
      kind: record.kind,
      needs: [],
      traits: [],
      text: record.text,
      unclassified: 'it no longer classifies',
    }
  }
}

function decideAgain(action: Action, record: ActionRecord, grant: Grant, rules: Rules): Decision {
  // The grant as it was when the statement ran: live at that instant, whatever it is now.
  const then = { ...grant, status: 'active' as const, expiresAt: new Date(record.at.getTime() + 1000) }
  return decide(action, then, rules, record.at)
}

/** How the candidate would decide the grant's request; undefined when as it was. */
function grantChange(grant: Grant, candidate: Config): { regranted?: GrantReplay } {
  const resource = candidate.resources.find((r) => r.id === grant.resourceId)
  const from = grant.decidedBy === 'policy' ? 'granted' : 'approved'
  const base = {
    grantId: grant.id,
    principalName: grant.principalName,
    resourceId: grant.resourceId,
    from,
  } as const
  if (!resource)
    return { regranted: { ...base, to: 'deny', reason: `resource ${grant.resourceId} is not configured` } }
  const requester = { groups: grant.groups } as Principal
  const verdict = decideGrantRequest(
    policyFor(requester, resource, candidate.policies),
    resource,
    grant.scope,
    grant.ttlSeconds,
  )
  const to = verdict.outcome
  if ((from === 'granted' && to === 'grant') || (from === 'approved' && to === 'approve')) return {}
  return { regranted: { ...base, to: to === 'grant' ? 'granted' : to, reason: verdict.reason } }
}

// Evidence an approver weighs on a grant, from what is already recorded (issue 16): the same principal's
// earlier grants on the resource whose task says the same thing (task-clusters.ts' word overlap), what they
// used, the requested entries wider than that, and anomaly signals — a table no similar task touched, far
// more rows than similar tasks read, an hour the principal never asks at. No model: bounded reads of the
// store (MAX_LISTED grants listed, MAX_SIMILAR read with at most MAX_ACTIONS actions per session and
// MAX_TOTAL_ACTIONS in all).
import type { CoreContext } from '../core-context.ts'
import type { Grant } from '../grants/grant.ts'
import { entryCovers, formatScopeEntry, type ScopeEntry, scopeCovers } from '../grants/scope.ts'
import type { ActionRecord } from '../recording/events.ts'
import { grantUsage, sortScope } from './grant-usage.ts'
import type { PlanCheck } from './plan-check.ts'
import { similarity, taskWords } from './task-clusters.ts'

export type AnomalySignalKind = 'wider-than-past' | 'unseen-object' | 'volume' | 'off-hours'

export interface AnomalySignal {
  kind: AnomalySignalKind
  message: string
  /** The scope entries or objects concerned (at most MAX_ITEMS). */
  items?: string[]
}

export interface GrantEvidence {
  /** The principal's earlier grants on this resource with a similar task that ran something, newest first. */
  similar: Array<{ grantId: string; task: string; requestedAt: Date; used: string[]; rows: number }>
  /** What the similar grants' allowed statements used of their scopes. */
  pastUsed: string[]
  /** Requested entries that cover nothing the similar grants used (only when there are some). */
  widerThanPast: string[]
  /** Rows this grant's allowed statements returned or changed, as recorded (0 before it ran anything). */
  rows: number
  signals: AnomalySignal[]
  /** For a request from a plan: each planned statement decided under the rules in force (plan-check.ts). */
  planCheck?: PlanCheck[]
}

const MAX_LISTED = 200
const MAX_SIMILAR = 20
const MAX_ACTIONS = 5_000
/** Actions read in all for the similar grants: a request's evidence costs a bounded read of the store. */
const MAX_TOTAL_ACTIONS = 20_000
const MAX_ITEMS = 20
/** Far beyond: more than this many times the most a similar grant read, and at least VOLUME_FLOOR rows. */
const VOLUME_FACTOR = 10
const VOLUME_FLOOR = 1_000
/** Hours of day are compared only once the principal has this many earlier grants on the resource. */
const MIN_HOUR_HISTORY = 10
const SIMILAR = 0.5

/** `withUse`: also read what this grant ran (for a grant that has sessions; a request has none yet). */
export async function grantEvidence(
  ctx: CoreContext,
  grant: Grant,
  withUse: boolean,
): Promise<GrantEvidence> {
  const listed = await ctx.store.grants.list({
    principalId: grant.principalId,
    resourceId: grant.resourceId,
    status: ['active', 'ended'],
    limit: MAX_LISTED,
  })
  const past = listed.filter(
    (g) => g.id !== grant.id && g.requestedAt.getTime() < grant.requestedAt.getTime(),
  )
  const words = taskWords(grant.task)
  const similar: GrantEvidence['similar'] = []
  const pastNeeds: ScopeEntry[] = []
  let read = 0
  for (const g of past.filter((p) => similarity(words, taskWords(p.task)) >= SIMILAR)) {
    if (similar.length === MAX_SIMILAR || read >= MAX_TOTAL_ACTIONS) break
    const actions = await actionsOf(ctx, g.id)
    read += actions.length
    const usage = grantUsage(g, actions)
    // A grant that ran nothing classified says nothing about what such a task needs.
    if (usage.actions === usage.actionsWithoutNeeds) continue
    pastNeeds.push(...usage.used)
    similar.push({
      grantId: g.id,
      task: g.task,
      requestedAt: g.requestedAt,
      used: usage.used.map(formatScopeEntry),
      rows: rowsOf(actions),
    })
  }
  const pastUsed = sortScope(pastNeeds)
  const widerThanPast =
    similar.length === 0
      ? []
      : grant.scope.filter((e) => !pastUsed.some((n) => entryCovers(e, n))).map(formatScopeEntry)
  const own = withUse ? await actionsOf(ctx, grant.id) : []
  const rows = rowsOf(own)
  const signals: AnomalySignal[] = []
  if (widerThanPast.length > 0)
    signals.push({
      kind: 'wider-than-past',
      message: `requests ${widerThanPast.length} scope entr${widerThanPast.length === 1 ? 'y' : 'ies'} none of the principal's ${similar.length} similar earlier task(s) used`,
      items: widerThanPast.slice(0, MAX_ITEMS),
    })
  if (similar.length > 0) signals.push(...signalsFromUse(grant, own, pastUsed, similar, rows))
  const hour = offHours(grant, past)
  if (hour) signals.push(hour)
  return { similar, pastUsed: pastUsed.map(formatScopeEntry), widerThanPast, rows, signals }
}

function signalsFromUse(
  grant: Grant,
  own: readonly ActionRecord[],
  pastUsed: readonly ScopeEntry[],
  similar: GrantEvidence['similar'],
  rows: number,
): AnomalySignal[] {
  const signals: AnomalySignal[] = []
  const seen = new Set(pastUsed.map((n) => n.object))
  const unseen = new Set<string>()
  for (const action of own) {
    if (action.outcome !== 'allow') continue
    // Needs the grant's scope does not cover ran under the implicit scope (catalog reads): not the task's.
    for (const need of action.needs ?? [])
      if (scopeCovers(grant.scope, need) && !seen.has(need.object)) unseen.add(need.object)
  }
  if (unseen.size > 0)
    signals.push({
      kind: 'unseen-object',
      message: `used ${unseen.size} object(s) no similar earlier task of the principal touched`,
      items: [...unseen].sort().slice(0, MAX_ITEMS),
    })
  const most = Math.max(...similar.map((s) => s.rows))
  if (rows > Math.max(VOLUME_FLOOR, VOLUME_FACTOR * most))
    signals.push({
      kind: 'volume',
      message: `${rows.toLocaleString('en')} rows, over ${VOLUME_FACTOR}x the most a similar earlier task handled (${most.toLocaleString('en')})`,
    })
  return signals
}

/** Requested at an hour of day (UTC) none of the principal's earlier grants here came within an hour of. */
function offHours(grant: Grant, past: readonly Grant[]): AnomalySignal | undefined {
  if (past.length < MIN_HOUR_HISTORY) return undefined
  const hour = grant.requestedAt.getUTCHours()
  const near = past.some((g) => {
    const d = Math.abs(g.requestedAt.getUTCHours() - hour)
    return Math.min(d, 24 - d) <= 1
  })
  if (near) return undefined
  return {
    kind: 'off-hours',
    message: `requested at ${String(hour).padStart(2, '0')}:00 UTC; none of the principal's ${past.length} earlier grants here was requested within an hour of that time`,
  }
}

async function actionsOf(ctx: CoreContext, grantId: string): Promise<ActionRecord[]> {
  const actions: ActionRecord[] = []
  for (const session of await ctx.store.sessions.list({ grantId }))
    actions.push(...(await ctx.store.sessions.listActions(session.id, { limit: MAX_ACTIONS })))
  return actions
}

function rowsOf(actions: readonly ActionRecord[]): number {
  let rows = 0
  for (const a of actions) if (a.outcome === 'allow' && a.rowCount) rows += a.rowCount
  return rows
}

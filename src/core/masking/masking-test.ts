import { requireAdmin } from '../authorize.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Principal } from '../identity/principal.ts'
import type { MaskingContext } from './masking-context.ts'
import { type CompiledRule, ruleMatchesColumn } from './rules.ts'

export interface MaskingTestInput {
  resourceId: string
  /** The groups whose rules to try (as if a member of exactly these ran the query). */
  groups: string[]
  sql: string
  /** Rows returned (masked); the counts cover every row read. Default 20. */
  maxRows?: number
}

export interface MaskingTestColumn {
  name: string
  /** `schema.table` when the column comes straight from a table. */
  table?: string
  type: string
  /** What masked how many values in this column: `rule:<id>` (the rule masks the column whole) or
   * `rule:<id>/<detector>` (the rule's detector found the values), or `unmaskable-binary`. */
  masked: Record<string, number>
}

/** What `taskgate masking test` prints: per column what masked how many values, and the masked rows. */
export interface MaskingTestResult {
  columns: MaskingTestColumn[]
  rows: Array<Array<string | null>>
  rowCount: number
  truncated: boolean
}

/** Runs a query on a resource's target (read-only, rolled back) and masks its result under `masking`. A
 * protocol registers one per resource, since only it can speak to the target. */
export type MaskingProbe = (input: {
  sql: string
  masking: MaskingContext | undefined
  maxRows: number
}) => Promise<MaskingTestResult>

export async function testMasking(
  ctx: CoreContext,
  probes: ReadonlyMap<string, MaskingProbe>,
  maskingFor: (resourceId: string, groups: readonly string[]) => MaskingContext | undefined,
  actor: Principal,
  input: MaskingTestInput,
): Promise<MaskingTestResult> {
  requireAdmin(ctx, actor)
  if (!ctx.resources.has(input.resourceId))
    throw new TaskgateError('TG_NOT_FOUND', { message: `No resource ${input.resourceId}.` })
  const probe = probes.get(input.resourceId)
  if (probe === undefined)
    throw new TaskgateError('TG_NOT_FOUND', {
      message: `Resource ${input.resourceId} cannot run masking tests (its protocol server is not started).`,
    })
  await ctx.audit({
    type: 'admin.action',
    actor: actor.id,
    subject: input.resourceId,
    data: { action: 'masking.tested', groups: input.groups, text: input.sql.slice(0, 2000) },
  })
  const masking = maskingFor(input.resourceId, input.groups)
  const result = await probe({
    sql: input.sql,
    masking,
    maxRows: Math.min(Math.max(input.maxRows ?? 20, 0), 1000),
  })
  const rules = masking?.rules ?? []
  return { ...result, columns: result.columns.map((c) => ({ ...c, masked: namingRules(c, rules) })) }
}

/**
 * The probe counts detector finds by detector; an administrator needs the rule too (which one to change).
 * A detector's finds in a column follow the first rule in force, in configuration order, that lists the
 * detector and applies to the column, as the masker picks it (a rule naming columns matched through an
 * alias, or a JSON key, is named when no rule matches the column by name).
 */
function namingRules(column: MaskingTestColumn, rules: readonly CompiledRule[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [what, n] of Object.entries(column.masked)) {
    const listing = rules.filter((r) => r.detectors?.some((d) => d.id === what))
    const rule = listing.find((r) => r.columns === undefined || ruleMatchesColumn(r, column)) ?? listing[0]
    out[rule === undefined ? what : `rule:${rule.id}/${what}`] = n
  }
  return out
}

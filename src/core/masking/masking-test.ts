import { requireAdmin } from '../authorize.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Principal } from '../identity/principal.ts'
import type { MaskingContext } from './masking-context.ts'

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
  /** `detector` or `rule:<id>` -> values masked in this column. */
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
  return probe({
    sql: input.sql,
    masking: maskingFor(input.resourceId, input.groups),
    maxRows: Math.min(Math.max(input.maxRows ?? 20, 0), 1000),
  })
}

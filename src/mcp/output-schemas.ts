// The tools' output schemas: the shapes of `structuredContent` (the SDK publishes them in tools/list; its
// server checks successful results against them, its client every result that has structuredContent, so
// each schema also names the failure shape of errors.ts: {code, message} or a denial {code, rule, reason,
// missingScope?, requestHint?}).
import { z } from 'zod'

const next = z.string().describe('What to call next.')
const scope = z.array(z.string()).describe('`verb:object` entries.')
const GRANT_STATUSES = ['pending', 'active', 'ended', 'denied'] as const

const grantFields = {
  grantId: z.string(),
  status: z.enum(GRANT_STATUSES),
  resource: z.string(),
  scope,
  expiresAt: z.string().optional().describe('ISO 8601; present once active.'),
  approvalId: z.string().optional().describe('Present while an approver must decide.'),
  endReason: z.string().optional(),
  next,
}

const rowsFields = {
  command: z.string().describe('The command tag: SELECT, INSERT, UPDATE, ...'),
  columns: z.array(z.object({ name: z.string(), type: z.string() })),
  rows: z.array(z.array(z.unknown())).describe('At most maxRows rows, masked where policy says so.'),
  rowCount: z.number().int().describe('Rows the statement returned or changed, all of them.'),
  truncated: z.boolean().describe('True when there were more rows than maxRows.'),
}

const execFields = {
  stdout: z.string().describe('At most maxOutputBytes of it.'),
  stderr: z.string().describe('At most maxOutputBytes of it.'),
  exitStatus: z.number().int().optional().describe('The exit status, when the command exited.'),
  signal: z.string().optional().describe('The signal that ended the command (KILL, TERM, ...).'),
  truncated: z.boolean().describe('True when stdout or stderr had more than maxOutputBytes.'),
  timedOut: z.boolean().describe('True when timeoutSeconds ended the command.'),
}

const heldFields = {
  status: z.literal('pending-approval'),
  approvalId: z.string(),
  rule: z.string().optional(),
  reason: z.string().optional(),
  next,
}

const failureFields = {
  code: z.string().describe('Failures only (isError): a stable TG_* code.'),
  message: z.string().optional().describe('What happened and what to do.'),
  rule: z.string().optional().describe('Denials: the rule that decided.'),
  reason: z.string().optional(),
  missingScope: scope.optional().describe('Denials: the scope that would allow the statement.'),
  requestHint: z.string().optional(),
  allowed: scope.optional().describe('A denied grant request: what you may request instead.'),
  next: next.optional(),
  sqlstate: z.string().optional().describe("The database's own error code."),
  detail: z.string().optional(),
  hint: z.string().optional(),
  position: z.number().optional(),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('TG_REQUEST_INVALID: each argument that does not fit the input schema, and why.'),
}

/**
 * The results of one tool, as one object (the SDK publishes only object schemas): every field optional, a
 * field that several shapes share accepts each of their types, and `anyOf` names the fields each shape
 * always has (anyOf, not oneOf: a pending grant also carries an approvalId). Loose: a result may gain a
 * field without breaking clients that validate.
 */
function outputOf(successes: Array<Record<string, z.ZodType>>, description: string) {
  const shapes: Array<Record<string, z.ZodType>> = [...successes, failureFields]
  const byKey = new Map<string, z.ZodType[]>()
  for (const shape of shapes)
    for (const [key, value] of Object.entries(shape)) byKey.set(key, [...(byKey.get(key) ?? []), value])
  const merged: Record<string, z.ZodType> = {}
  for (const [key, types] of byKey)
    merged[key] = (types.length === 1 ? types[0]! : z.union(types as [z.ZodType, z.ZodType])).optional()
  return z
    .looseObject(merged)
    .describe(`${description} On failure (isError): code with message, or a denial (rule, reason, ...).`)
    .meta({
      anyOf: shapes.map((shape) => ({
        required: Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success),
      })),
    })
}

export const listResourcesOutput = outputOf(
  [
    {
      resources: z.array(
        z.object({
          id: z.string(),
          kind: z.string(),
          description: z.string(),
          ceiling: scope.describe('The widest scope you may be granted.'),
          autoApprove: scope.describe('Scope granted at once, without an approver.'),
        }),
      ),
    },
  ],
  'The resources you may request access to.',
)

export const requestAccessOutput = outputOf([grantFields], 'The grant: status "active" or "pending".')

export const awaitApprovalOutput = outputOf(
  [
    grantFields,
    { approvalId: z.string(), status: z.enum(['pending', 'approved']), next },
    heldFields,
    rowsFields,
    execFields,
  ],
  'A grant (grantId, status, ...); a statement approval (approvalId, status "approved" or "pending"); a ' +
    'held statement still waiting (status "pending-approval"); or the held statement\'s result once approved ' +
    '(columns, rows, ...).',
)

export const queryOutput = outputOf(
  [rowsFields, heldFields],
  'The statement\'s result (columns, rows, rowCount, truncated), or status "pending-approval" with the ' +
    'approvalId to pass to await_approval.',
)

export const execOutput = outputOf(
  [execFields, heldFields],
  "The command's result (stdout, stderr, exitStatus or signal, truncated, timedOut), or status " +
    '"pending-approval" with the approvalId to pass to await_approval.',
)

export const endTaskOutput = outputOf(
  [{ grantId: z.string(), status: z.enum(GRANT_STATUSES), endReason: z.string() }],
  'The ended grant.',
)

// The tools' input schemas (zod; the SDK publishes them as JSON Schema in tools/list and validates every
// call against them). Descriptions are written for the model that reads them. A choice between two
// parameters is stated twice: as JSON Schema `oneOf` (zod's `.meta()` is copied into the published schema)
// for the model, and as a refinement the SDK checks on every call.
import { z } from 'zod'

const id = (what: string) => z.string().trim().min(1).max(200).describe(what)

/** Exactly one of two optional parameters: published as `oneOf`, enforced with a clear message. The check
 * runs even when other fields are wrong (`when`), so a call missing both and another field names all of them. */
function exactlyOneOf<T extends z.ZodObject>(schema: T, a: string, b: string): T {
  return schema
    .check(
      z.refine(
        (value) => {
          const input = value as Record<string, unknown>
          return (input[a] === undefined) !== (input[b] === undefined)
        },
        {
          message: `Give exactly one of ${a} or ${b}.`,
          path: [a],
          when: (payload) => typeof payload.value === 'object' && payload.value !== null,
        },
      ),
    )
    .meta({ oneOf: [{ required: [a] }, { required: [b] }] })
}

export const listResourcesInput = z.strictObject({})

export const requestAccessInput = exactlyOneOf(
  z.strictObject({
    resource: id('Resource id, exactly as list_resources shows it.'),
    scope: z
      .array(
        z
          .string()
          .max(1000)
          .regex(
            // An SSH command pattern has spaces (exec:root:systemctl status *); core parses each entry.
            /^([a-zA-Z][a-zA-Z0-9_-]*|\*):\S[^\r\n]*$/,
            'Write each scope entry as verb:object, e.g. "select:billing.invoices".',
          ),
      )
      .min(1)
      .max(50)
      .optional()
      .describe(
        'What the task needs, narrowest first: one "verb:object" entry per table and verb, e.g. ' +
          '["select:billing.invoices", "update:billing.invoices"]. `*` matches a run of characters ' +
          '("select:billing.*"). Requests within the resource\'s autoApprove list are granted at once. Give this or plan.',
      ),
    plan: z
      .string()
      .min(1)
      .max(256 * 1024)
      .optional()
      .describe(
        'Instead of scope: the SQL statements the task will run. taskgate classifies them and requests the least ' +
          'scope covering them; an approver sees them, and statements run outside them are flagged on the grant.',
      ),
    task: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .describe('Why: the task this access is for, in one sentence an approver can judge.'),
    ttl: z
      .string()
      .regex(/^\d+(s|m|h|d)$/, 'Write the ttl as a duration such as 90s, 15m, 2h or 1d.')
      .optional()
      .describe(
        'How long the grant lasts, e.g. "15m"; defaults to the configured TTL; over the policy maxTtl is denied.',
      ),
  }),
  'scope',
  'plan',
)

export const awaitApprovalInput = exactlyOneOf(
  z.strictObject({
    approvalId: id('The approvalId that request_access or query returned. Give this or grantId.').optional(),
    grantId: id('The grantId of a pending grant. Give this or approvalId.').optional(),
    waitSeconds: z
      .number()
      .int()
      .min(0)
      .max(120)
      .default(30)
      .describe('How long to wait for the decision before returning the current status (0-120, default 30).'),
  }),
  'approvalId',
  'grantId',
)

export const queryInput = exactlyOneOf(
  z.strictObject({
    grantId: id('The active grant to use (from request_access). Give this or resource.').optional(),
    resource: id(
      "A resource id: uses this session's most recent active grant on it. Give this or grantId.",
    ).optional(),
    sql: z
      .string()
      .min(1)
      .max(1_000_000)
      .describe(
        'A SQL statement; use placeholders with params for values ($1, $2, ... on PostgreSQL, ? on MySQL). ' +
          'Several statements separated by ";" are accepted only without params: on PostgreSQL they run as ' +
          'one batch in one implicit transaction, decided as a whole; on MySQL each is decided on its own ' +
          'and one refused refuses them all. The grant must cover all of them, and the result is that of ' +
          'the last statement that returned rows.',
      ),
    params: z
      .array(z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .max(1000)
      .optional()
      .describe('Values for the placeholders ($1, $2, ... or ?), in order.'),
    maxRows: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(100)
      .describe('Most rows to return (1-1000, default 100); `truncated` says when there were more.'),
    approvalWaitSeconds: z
      .number()
      .int()
      .min(0)
      .max(120)
      .default(20)
      .describe(
        'If the statement is held for a human approval, how long to wait before returning ' +
          '{status: "pending-approval"} (0-120, default 20).',
      ),
  }),
  'grantId',
  'resource',
)

export const execInput = exactlyOneOf(
  z.strictObject({
    grantId: id('The active grant to use (from request_access). Give this or resource.').optional(),
    resource: id(
      "A resource id: uses this session's most recent active grant on it. Give this or grantId.",
    ).optional(),
    command: z
      .string()
      .min(1)
      .max(100_000)
      .describe(
        "One command line, run by the login's shell on the SSH resource as `ssh host command` would; the " +
          'grant must cover it (exec:<login>:<command>).',
      ),
    stdin: z
      .string()
      .max(1_000_000)
      .optional()
      .describe(
        "Text sent to the command's standard input, which is then closed (closed at once without it).",
      ),
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(60)
      .describe('The command is ended after running this long (1-3600, default 60); `timedOut` says so.'),
    maxOutputBytes: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(65_536)
      .describe(
        'Bytes kept of stdout and of stderr each (default 65536); `truncated` says when there were more.',
      ),
    approvalWaitSeconds: z
      .number()
      .int()
      .min(0)
      .max(120)
      .default(20)
      .describe(
        'If the command is held for a human approval, how long to wait before returning ' +
          '{status: "pending-approval"} (0-120, default 20).',
      ),
  }),
  'grantId',
  'resource',
)

export const endTaskInput = z.strictObject({
  grantId: id('The grant of the finished task.'),
})

export type RequestAccessInput = z.output<typeof requestAccessInput>
export type AwaitApprovalInput = z.output<typeof awaitApprovalInput>
export type QueryInput = z.output<typeof queryInput>
export type ExecInput = z.output<typeof execInput>
export type EndTaskInput = z.output<typeof endTaskInput>

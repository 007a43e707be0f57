import { z } from 'zod'
import { parseConfigText, withCandidatePolicies } from '../../config/load.ts'
import { type PolicyReplay, parseDurationSeconds, TaskgateError } from '../../core/index.ts'
import { defineRoute } from '../route-spec.ts'

const outcome = z.enum(['allow', 'deny', 'hold'])

const policyReplayDto = z.object({
  since: z.string().meta({ format: 'date-time' }),
  statements: z.number().int().describe('recorded statements decided again'),
  skipped: z
    .number()
    .int()
    .describe('recorded statements a policy did not decide (limits, the store, grant state)'),
  changed: z.number().int().describe('statements whose decision would change'),
  changes: z.array(
    z.object({
      from: outcome,
      to: outcome,
      rule: z.string().describe('the rule that decides now, or that decided then when it would now allow'),
      count: z.number().int(),
      examples: z.array(
        z.object({
          sessionId: z.string(),
          seq: z.number().int(),
          grantId: z.string(),
          principalName: z.string(),
          text: z.string().describe('as recorded (secrets redacted), at most 200 characters'),
          reason: z.string(),
        }),
      ),
    }),
  ),
  grants: z
    .array(
      z.object({
        grantId: z.string(),
        principalName: z.string(),
        resourceId: z.string(),
        from: z.enum(['granted', 'approved']),
        to: z.enum(['granted', 'approve', 'deny']),
        reason: z.string(),
      }),
    )
    .describe('grants the candidate would decide otherwise'),
  truncated: z
    .boolean()
    .describe('more was recorded in the window than is replayed; the newest sessions were'),
})

const toPolicyReplayDto = (r: PolicyReplay): z.infer<typeof policyReplayDto> => ({
  ...r,
  since: r.since.toISOString(),
})

export const policyRoutes = [
  defineRoute({
    method: 'POST',
    url: '/v1/policy/replay',
    operationId: 'replayPolicy',
    summary: 'Recorded statements decided again under a candidate configuration (administrators, approvers)',
    description:
      'Policies, guardrails and masking rules come from `config` (the whole configuration file, validated as at ' +
      'start); each recorded statement is classified again by its protocol. Nothing is changed.',
    tag: 'policy',
    body: z.strictObject({
      config: z
        .string()
        .min(1)
        .max(512 * 1024)
        .optional()
        .describe('the candidate configuration, YAML (this or `policies`)'),
      policies: z
        .string()
        .min(1)
        .max(512 * 1024)
        .optional()
        .describe(
          "a draft `policies:` section, YAML, in place of the running configuration's (this or `config`)",
        ),
      since: z
        .string()
        .regex(/^\d{1,6}(s|m|h|d)$/, 'expected a duration such as 7d or 12h')
        .default('7d')
        .describe('statements of sessions started within this long ago (default 7d)'),
    }),
    responses: { 200: { description: 'what would change, counted by rule', schema: policyReplayDto } },
    handler: async ({ core, principal, body }) => {
      if ((body.config === undefined) === (body.policies === undefined))
        throw new TaskgateError('TG_CONFIG_INVALID', {
          message:
            'Give the candidate as `config` (a whole configuration) or `policies` (a draft section), one of them.',
        })
      const candidate =
        body.config !== undefined
          ? parseConfigText(body.config, 'candidate configuration')
          : withCandidatePolicies(core.config, body.policies!, 'draft policies')
      const since = new Date(core.clock.now().getTime() - parseDurationSeconds(body.since) * 1000)
      return toPolicyReplayDto(await core.replayPolicy(principal, { candidate, since }))
    },
  }),
]

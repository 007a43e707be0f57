import { z } from 'zod'
import {
  type AdviceFilter,
  type GrantUsage,
  type PolicySuggestion,
  parseDurationSeconds,
  type ScopeAdvice,
  type TaskCluster,
} from '../../core/index.ts'
import { scopeStrings } from '../dto.ts'
import { defineRoute } from '../route-spec.ts'

const scope = z.array(z.string()).describe('scope entries, each `verb:object`')

const grantUsageDto = z.object({
  grantId: z.string(),
  principalId: z.string(),
  principalName: z.string(),
  groups: z.array(z.string()),
  resourceId: z.string(),
  task: z.string(),
  requestedAt: z.string().meta({ format: 'date-time' }),
  requested: scope,
  used: scope.describe('what its allowed actions needed of the requested scope (implicit scope left out)'),
  unused: scope.describe('requested entries no allowed action used'),
  actions: z.number().int().describe('allowed actions counted'),
  actionsWithoutNeeds: z.number().int().describe('of those, recorded before needs were (no evidence)'),
})

const policySuggestionDto = z.object({
  group: z.string(),
  resourceId: z.string(),
  grants: z.number().int(),
  current: z.object({ ceiling: scope, autoApprove: scope }),
  suggested: z.object({ ceiling: scope, autoApprove: scope }),
  unused: scope.describe('current ceiling entries none of the grants used'),
  notApplied: z.string().optional().describe('why the suggestion is not in the rewritten policies'),
})

const taskClusterDto = z.object({
  words: z.array(z.string()).describe('the words every task of the cluster says'),
  tasks: z.array(z.string()),
  grantIds: z.array(z.string()),
  requested: scope,
  suggested: scope.describe('what the grants of the cluster used'),
})

export const scopeAdviceDto = z.object({
  since: z.string().meta({ format: 'date-time' }),
  grants: z.array(grantUsageDto),
  suggestions: z.array(policySuggestionDto),
  policiesYaml: z.string().describe('the `policies:` section with the suggestions made'),
  diff: z.string().describe('unified diff from the current `policies:` section; empty when none'),
  clusters: z.array(taskClusterDto),
  truncated: z.boolean().describe('more grants matched than were read; the newest were'),
})

const toGrantUsageDto = (u: GrantUsage): z.infer<typeof grantUsageDto> => ({
  ...u,
  requestedAt: u.requestedAt.toISOString(),
  requested: scopeStrings(u.requested),
  used: scopeStrings(u.used),
  unused: scopeStrings(u.unused),
})

const toSuggestionDto = (s: PolicySuggestion): z.infer<typeof policySuggestionDto> => ({
  ...s,
  current: { ceiling: scopeStrings(s.current.ceiling), autoApprove: scopeStrings(s.current.autoApprove) },
  suggested: {
    ceiling: scopeStrings(s.suggested.ceiling),
    autoApprove: scopeStrings(s.suggested.autoApprove),
  },
  unused: scopeStrings(s.unused),
})

const toClusterDto = (c: TaskCluster): z.infer<typeof taskClusterDto> => ({
  ...c,
  requested: scopeStrings(c.requested),
  suggested: scopeStrings(c.suggested),
})

export const toScopeAdviceDto = (a: ScopeAdvice): z.infer<typeof scopeAdviceDto> => ({
  since: a.since.toISOString(),
  grants: a.grants.map(toGrantUsageDto),
  suggestions: a.suggestions.map(toSuggestionDto),
  policiesYaml: a.policiesYaml,
  diff: a.diff,
  clusters: a.clusters.map(toClusterDto),
  truncated: a.truncated,
})

export const adviceRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/advice/scopes',
    operationId: 'adviseScopes',
    summary:
      'Least privilege from recordings: scope used vs requested, narrower policies (administrators, approvers)',
    tag: 'advice',
    query: z.object({
      principal: z.string().max(200).optional().describe('principal id or name'),
      group: z.string().max(200).optional().describe('only grants requested as a member of this group'),
      resource: z.string().max(200).optional().describe('resource id'),
      since: z
        .string()
        .regex(/^\d{1,6}(s|m|h|d)$/, 'expected a duration such as 7d or 12h')
        .default('30d')
        .describe('grants requested within this long ago (default 30d)'),
    }),
    responses: {
      200: { description: 'per grant, per group and resource, and per task cluster', schema: scopeAdviceDto },
    },
    handler: async ({ core, principal, query }) => {
      const filter: AdviceFilter = {
        since: new Date(core.clock.now().getTime() - parseDurationSeconds(query.since) * 1000),
      }
      if (query.principal) filter.principal = query.principal
      if (query.group) filter.group = query.group
      if (query.resource) filter.resourceId = query.resource
      return toScopeAdviceDto(await core.adviseScopes(principal, filter))
    },
  }),
]

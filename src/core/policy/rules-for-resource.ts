import type { Config, ResourceConfig } from '../../config/schema.ts'
import { parseScopeEntry } from '../grants/scope.ts'
import { DEFAULT_GUARDRAILS } from './default-guardrails.ts'
import type { Guardrail, ImplicitScope, Rules } from './rules.ts'

/** The built-in guardrails, overridden (or switched off) by id, followed by the configured ones. */
export function rulesForResource(
  config: Config,
  resource: ResourceConfig,
  implicit: ImplicitScope | undefined,
): Rules {
  const configured = config.guardrails.filter(
    (g) => g.resources.includes('*') || g.resources.includes(resource.id),
  )
  const byId = new Map<string, Guardrail>(DEFAULT_GUARDRAILS.map((g) => [g.id, g]))
  for (const g of configured) {
    if (g.action === 'off') {
      byId.delete(g.id)
      continue
    }
    const builtIn = byId.get(g.id)
    const hasMatch = Boolean(
      g.match.traits?.length || g.match.kinds?.length || g.match.needs?.length || g.match.pattern,
    )
    byId.set(g.id, {
      id: g.id,
      description: g.description,
      action: g.action,
      ...(hasMatch
        ? {
            ...(g.match.traits ? { traits: g.match.traits } : {}),
            ...(g.match.kinds ? { kinds: g.match.kinds } : {}),
            ...(g.match.needs ? { needs: g.match.needs.map(parseScopeEntry) } : {}),
            ...(g.match.pattern !== undefined ? { pattern: new RegExp(g.match.pattern, 'i') } : {}),
          }
        : pickMatch(builtIn)),
      ...(g.groups ? { groups: g.groups } : {}),
      ...(g.approvers ? { approverGroups: g.approvers } : {}),
    })
  }
  return {
    resourceId: resource.id,
    implicit: implicit ?? { allow: [], except: [] },
    guardrails: [...byId.values()],
  }
}

function pickMatch(g: Guardrail | undefined): Partial<Guardrail> {
  if (!g) return {}
  const { traits, kinds, needs, pattern } = g
  return {
    ...(traits ? { traits } : {}),
    ...(kinds ? { kinds } : {}),
    ...(needs ? { needs } : {}),
    ...(pattern ? { pattern } : {}),
  }
}

import type { Config, ResourceConfig } from '../../config/schema.ts'
import { resourceKind } from '../../kinds/index.ts'
import { parseScopeEntry } from '../grants/scope.ts'
import { canonicalScope } from '../grants/scope-verbs.ts'
import { LinearRegExp } from '../linear-regexp.ts'
import { DEFAULT_GUARDRAILS } from './default-guardrails.ts'
import type { Guardrail, ImplicitScope, Rules } from './rules.ts'

/** The built-in guardrails (core's and the resource kind's), overridden (or switched off) by id, followed by the configured ones. An override
 * limited to some groups applies to those groups only: everyone else keeps the rule it overrides, so tuning
 * a rule for one group never switches it off for the others. */
export function rulesForResource(
  config: Config,
  resource: ResourceConfig,
  implicit: ImplicitScope | undefined,
): Rules {
  const configured = config.guardrails.filter(
    (g) => g.resources.includes('*') || g.resources.includes(resource.id),
  )
  const ofKind = resourceKind(resource.kind).defaultGuardrails.map((g) => ({ ...g, traits: [...g.traits] }))
  const byId = new Map<string, Guardrail>([...DEFAULT_GUARDRAILS, ...ofKind].map((g) => [g.id, g]))
  const forGroups: Guardrail[] = []
  for (const g of configured) {
    const base = byId.get(g.id)
    if (g.groups && base) {
      byId.set(g.id, { ...base, exceptGroups: [...(base.exceptGroups ?? []), ...g.groups] })
      if (g.action !== 'off') forGroups.push(guardrailOf(g, g.action, base))
      continue
    }
    if (g.action === 'off') {
      byId.delete(g.id)
      continue
    }
    byId.set(g.id, {
      ...guardrailOf(g, g.action, base),
      ...(base?.exceptGroups ? { exceptGroups: base.exceptGroups } : {}),
    })
  }
  return {
    resourceId: resource.id,
    implicit: implicit ?? { allow: [], except: [] },
    // A configured rule's `needs` is written as scope entries are: in the kind's canonical objects too.
    guardrails: [...byId.values(), ...forGroups].map((g) =>
      g.needs ? { ...g, needs: canonicalScope(resource.kind, g.needs) } : g,
    ),
  }
}

type ConfiguredGuardrail = Config['guardrails'][number]

/** A configured rule; one without a match of its own keeps the match of the rule it overrides. */
function guardrailOf(
  g: ConfiguredGuardrail,
  action: Guardrail['action'],
  base: Guardrail | undefined,
): Guardrail {
  const hasMatch = Boolean(
    g.match.traits?.length || g.match.kinds?.length || g.match.needs?.length || g.match.pattern,
  )
  return {
    id: g.id,
    description: g.description,
    action,
    ...(hasMatch
      ? {
          ...(g.match.traits ? { traits: g.match.traits } : {}),
          ...(g.match.kinds ? { kinds: g.match.kinds } : {}),
          ...(g.match.needs ? { needs: g.match.needs.map(parseScopeEntry) } : {}),
          ...(g.match.pattern !== undefined ? { pattern: new LinearRegExp(g.match.pattern, 'i') } : {}),
          ...(g.match.rowsOver !== undefined ? { rowsOver: g.match.rowsOver } : {}),
          ...(g.match.whenUnknown !== undefined ? { whenUnknown: g.match.whenUnknown } : {}),
        }
      : pickMatch(base)),
    ...(g.groups ? { groups: g.groups } : {}),
    ...(g.approvers ? { approverGroups: g.approvers } : {}),
  }
}

function pickMatch(g: Guardrail | undefined): Partial<Guardrail> {
  if (!g) return {}
  const { traits, kinds, needs, pattern, rowsOver, whenUnknown } = g
  return {
    ...(traits ? { traits } : {}),
    ...(kinds ? { kinds } : {}),
    ...(needs ? { needs } : {}),
    ...(pattern ? { pattern } : {}),
    ...(rowsOver !== undefined ? { rowsOver } : {}),
    ...(whenUnknown ? { whenUnknown } : {}),
  }
}

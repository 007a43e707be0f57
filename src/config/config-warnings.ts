// What a valid configuration may still get wrong: things `taskgate config check` and the gateway's start
// warn about without refusing them.
import type { Config } from './schema.ts'

/**
 * Policy and approver groups nobody can be in, one warning a group naming where it is used. Principals get
 * groups from the config's agents, identity.adminGroups (the local admin) or the IdP's groups claim; with
 * no IdP configured, a group none of those names matches nobody: its policy never applies and its approvers
 * do not exist (until a service account is created with `taskgate agents create --groups`).
 */
export function unmatchedGroupWarnings(config: Config): string[] {
  if (config.identity.oidc || config.identity.providers.length > 0) return []
  const held = new Set([...config.identity.adminGroups, ...config.agents.flatMap((a) => a.groups)])
  const usedAt = new Map<string, string[]>()
  const use = (group: string, path: string) => {
    if (!held.has(group)) usedAt.set(group, [...(usedAt.get(group) ?? []), path])
  }
  config.policies.forEach((p, i) => {
    use(p.group, `policies[${i}].group`)
    p.approvers.forEach((g, j) => {
      use(g, `policies[${i}].approvers[${j}]`)
    })
  })
  const inUse = [...held].sort().join(', ') || 'none'
  return [...usedAt].map(
    ([group, paths]) =>
      `${paths.join(', ')}: nobody is in group "${group}": no agent or admin group has it and no IdP is ` +
      `configured (identity.oidc); groups in use: ${inUse}. Add it to an agent, or create a member with ` +
      `\`taskgate agents create NAME --groups ${group}\`${paths.some((p) => p.includes('approvers')) ? '; until then only administrators approve' : ''}.`,
  )
}

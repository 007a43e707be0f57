/** Who acts: a person (OIDC login, or an approver pressing a Slack button), an agent/service account, or the
 * local admin of an embedded install. */
export interface Principal {
  /** Stable id: `oidc:<issuer-sub>`, `saml:<provider>:<NameID>`, `sa:<name>` or `local:admin`. */
  id: string
  kind: 'person' | 'agent' | 'service' | 'admin'
  /** Human-readable name shown in approvals and audit (email, preferred_username or account name). */
  name: string
  groups: string[]
  /** How the principal authenticated for this request. */
  via: 'oidc' | 'saml' | 'service-account' | 'local' | 'slack'
}

export function isAdmin(principal: Principal, adminGroups: readonly string[]): boolean {
  return principal.kind === 'admin' || principal.groups.some((g) => adminGroups.includes(g))
}

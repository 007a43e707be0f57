// The principals tests act as, built the way authentication builds them, so a test names who acts rather
// than spelling out the same records again.
import type { Principal } from '../../src/core/index.ts'

/** `sa:bot`: an agent's service account in the group `agents`. */
export const agentBot: Principal = {
  id: 'sa:bot',
  kind: 'agent',
  name: 'bot',
  groups: ['agents'],
  via: 'service-account',
}

/** `oidc:dana`: a person signed in through OIDC in the group `dbas`. */
export const dbaDana: Principal = {
  id: 'oidc:dana',
  kind: 'person',
  name: 'dana',
  groups: ['dbas'],
  via: 'oidc',
}

/** The gateway itself as an administrator, as the CLI's local commands act (creating service accounts). */
export const systemAdmin: Principal = {
  id: 'system',
  kind: 'admin',
  name: 'system',
  groups: ['taskgate-admins'],
  via: 'local',
}

/** An agent's service account named `name-suffix` in `group`, as authenticating its key returns it. */
export function serviceAccountAgent(name: string, suffix: string, group: string): Principal {
  return { id: `sa:${name}-${suffix}`, kind: 'agent', name, groups: [group], via: 'service-account' }
}

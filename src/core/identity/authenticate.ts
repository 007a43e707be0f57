import type { Store } from '../../store/store.ts'
import { TaskgateError } from '../errors.ts'
import { GATEWAY_TOKEN_PREFIX } from './gateway-token.ts'
import type { Principal } from './principal.ts'
import { keyMatches, parseServiceAccountKey } from './service-account-key.ts'

export interface BearerAuthenticator {
  authenticate(bearer: string): Promise<Principal>
}

/**
 * Service-account keys (`tgk_…`) are checked against their stored hash in constant time; the gateway's own
 * tokens (`tgt_…`, minted after a SAML sign-in) against identity.tokenSigningKey; anything else is handed to
 * the OIDC verifier when one is configured.
 */
export function createBearerAuthenticator(
  store: Store,
  verifyOidc: ((token: string) => Promise<Principal>) | undefined,
  verifyGatewayToken?: (token: string) => Promise<Principal>,
): BearerAuthenticator {
  return {
    async authenticate(bearer) {
      const token = bearer.trim()
      if (!token) throw new TaskgateError('TG_AUTH_MISSING')
      const key = parseServiceAccountKey(token)
      if (key) {
        const account = await store.serviceAccounts.get(key.name)
        // Compare even when the account is missing so timing does not tell which names exist.
        const ok = keyMatches(token, account?.keyHash ?? '0'.repeat(64))
        if (!account || !ok || account.disabledAt) throw new TaskgateError('TG_AUTH_INVALID')
        return {
          id: `sa:${account.name}`,
          kind: account.kind,
          name: account.name,
          groups: account.groups,
          via: 'service-account',
        }
      }
      if (token.startsWith(GATEWAY_TOKEN_PREFIX)) {
        if (!verifyGatewayToken) throw new TaskgateError('TG_AUTH_INVALID')
        return verifyGatewayToken(token)
      }
      if (!verifyOidc) {
        throw new TaskgateError('TG_AUTH_INVALID', {
          message:
            'The credential is not a taskgate key and no OIDC issuer is configured; use a service-account key.',
        })
      }
      return verifyOidc(token)
    },
  }
}

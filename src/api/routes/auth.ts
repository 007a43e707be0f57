import { z } from 'zod'
import { oidcSettings } from '../../config/schema.ts'
import { TaskgateError } from '../../core/index.ts'
import { principalDto, toPrincipalDto } from '../dto.ts'
import { defineRoute } from '../route-spec.ts'

export const authRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/auth/oidc',
    operationId: 'getOidcSettings',
    summary: 'The identity provider `taskgate login` uses (device flow)',
    tag: 'auth',
    public: true,
    responses: {
      200: {
        description: 'OIDC settings',
        schema: z.object({ issuer: z.string(), clientId: z.string(), audience: z.string() }),
      },
    },
    handler: ({ core }) => {
      const oidc = oidcSettings(core.config.identity)
      if (!oidc) {
        throw new TaskgateError('TG_NOT_FOUND', {
          message:
            'This gateway has no OIDC identity provider configured; authenticate with a service-account key.',
        })
      }
      return { issuer: oidc.issuer, clientId: oidc.clientId, audience: oidc.audience }
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/whoami',
    operationId: 'whoami',
    summary: 'The principal behind the bearer token',
    tag: 'auth',
    responses: { 200: { description: 'the caller', schema: principalDto } },
    handler: ({ principal }) => toPrincipalDto(principal),
  }),
]

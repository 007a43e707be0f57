import { z } from 'zod'
import packageJson from '../../../package.json' with { type: 'json' }
import { defineRoute } from '../route-spec.ts'

export const healthRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/health',
    operationId: 'getHealth',
    summary: 'Liveness of the control plane',
    tag: 'meta',
    public: true,
    responses: {
      200: {
        description: 'the API answers',
        schema: z.object({ status: z.literal('ok'), version: z.string() }),
      },
    },
    handler: () => ({ status: 'ok', version: packageJson.version }),
  }),
]

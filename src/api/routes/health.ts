import { z } from 'zod'
import packageJson from '../../../package.json' with { type: 'json' }
import { defineRoute } from '../route-spec.ts'

const readiness = z.object({
  status: z.enum(['ready', 'not-ready']),
  checks: z.object({
    store: z.string().describe('`ok`, or why the store did not answer'),
    migrations: z.string().describe('`ok`, or how many migrations are not applied'),
    listeners: z.string().describe('`ok`, or the resources not listening yet'),
  }),
})

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
  defineRoute({
    method: 'GET',
    url: '/v1/health/live',
    operationId: 'getLiveness',
    summary: 'Liveness: the process answers (restart it when this fails)',
    tag: 'meta',
    public: true,
    responses: {
      200: { description: 'the process is alive', schema: z.object({ status: z.literal('ok') }) },
    },
    handler: () => ({ status: 'ok' }),
  }),
  defineRoute({
    method: 'GET',
    url: '/v1/health/ready',
    operationId: 'getReadiness',
    summary: 'Readiness: the store answers and is migrated, and every listener is bound',
    description:
      'A load balancer sends traffic only while this answers 200; 503 names the check that failed. The store ' +
      'check is a round trip with a 900 ms limit.',
    tag: 'meta',
    public: true,
    responses: {
      200: { description: 'ready for traffic', schema: readiness },
      503: { description: 'not ready; `checks` says why', schema: readiness },
    },
    async handler({ core, reply }) {
      const { ready, checks } = await core.readiness()
      if (!ready) reply.code(503)
      return { status: ready ? 'ready' : 'not-ready', checks }
    },
  }),
]

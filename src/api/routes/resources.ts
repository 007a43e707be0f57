import { z } from 'zod'
import { scopeStrings } from '../dto.ts'
import { defineRoute } from '../route-spec.ts'

const resourceDto = z.object({
  id: z.string(),
  kind: z.string(),
  description: z.string(),
  listen: z.object({ host: z.string(), port: z.number().int() }).describe('where clients connect'),
  ceiling: z.array(z.string()).describe('the widest scope the caller may be granted'),
  autoApprove: z.array(z.string()).describe('requests within these entries are granted at once'),
  hostKey: z
    .string()
    .optional()
    .describe("the gateway's SSH host key for this resource (`ssh-ed25519 AAAA…`), for known_hosts"),
})

export const resourceRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/resources',
    operationId: 'listResources',
    summary: 'Resources the caller may request, each with its ceiling',
    tag: 'resources',
    responses: { 200: { description: 'resources', schema: z.object({ resources: z.array(resourceDto) }) } },
    handler: ({ core, principal }) => ({
      // Target addresses and upstream accounts stay inside the gateway.
      resources: core
        .listResources(principal)
        .map(({ resource, ceiling, autoApprove, address, hostKey }) => ({
          id: resource.id,
          kind: resource.kind,
          description: resource.description,
          listen: address ?? { host: resource.listen.host, port: resource.listen.port },
          ceiling: scopeStrings(ceiling),
          autoApprove: scopeStrings(autoApprove),
          ...(hostKey ? { hostKey } : {}),
        })),
    }),
  }),
]

import { z } from 'zod'
import { buildOpenApiDocument } from '../openapi.ts'
import { type AnyRouteSpec, defineRoute } from '../route-spec.ts'

/** The route serving the document of all routes; it takes them lazily because it is one of them. */
export function openApiRoute(routes: () => readonly AnyRouteSpec[]): AnyRouteSpec {
  let document: Record<string, unknown> | undefined
  return defineRoute({
    method: 'GET',
    url: '/v1/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document: OpenAPI 3.1, generated from the route schemas',
    tag: 'meta',
    public: true,
    responses: { 200: { description: 'the OpenAPI document', schema: z.record(z.string(), z.unknown()) } },
    handler: () => {
      document ??= buildOpenApiDocument(routes())
      return document
    },
  })
}

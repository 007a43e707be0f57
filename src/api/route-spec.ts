// One description per route: fastify validates requests with its zod schemas and the OpenAPI document is
// generated from the same objects (one source). Handlers see the authenticated Principal and typed input.
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import type { Core, Principal } from '../core/index.ts'

export interface RouteContext<P, Q, B> {
  core: Core
  /** The caller; absent only on public routes. */
  principal: Principal
  params: P
  query: Q
  body: B
  reply: FastifyReply
  request: FastifyRequest
  settings: RouteSettings
}

/** Server-wide knobs a few routes read (tests shorten them). */
export interface RouteSettings {
  /** Comment lines on idle event streams, so proxies and browsers keep them open. */
  eventsHeartbeatMs: number
  /** Event streams end after this long; EventSource reconnects, which authenticates again. */
  eventsMaxStreamMs: number
}

export interface RouteResponse {
  description: string
  schema?: z.ZodType
}

export interface RouteSpec<P = unknown, Q = unknown, B = unknown> {
  method: 'GET' | 'POST' | 'DELETE'
  /** fastify path syntax (`/v1/grants/:id`); openapi.ts rewrites it to `{id}`. */
  url: string
  operationId: string
  summary: string
  description?: string
  tag: string
  /** Public routes need no bearer token. */
  public?: boolean
  params?: z.ZodType<P>
  query?: z.ZodType<Q>
  body?: z.ZodType<B>
  /** Success responses by status; error responses are added from the problem+json shape. */
  responses: Record<number, RouteResponse>
  /** Returns the body; sets a non-200 status through `reply.code()`. */
  handler(context: RouteContext<P, Q, B>): Promise<unknown> | unknown
}

// Route specs are heterogeneous in P/Q/B; the registry only needs to call them with validated input.
// biome-ignore lint/suspicious/noExplicitAny: erased generics at the registry boundary
export type AnyRouteSpec = RouteSpec<any, any, any>

/** Identity function that keeps each route's input types inferred from its schemas. */
export function defineRoute<P = undefined, Q = undefined, B = undefined>(
  spec: RouteSpec<P, Q, B>,
): AnyRouteSpec {
  return spec
}

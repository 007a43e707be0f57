// A SERVER span per control-plane API request, continuing the caller's trace when it sends a W3C
// `traceparent` (w3.org/TR/trace-context). Named and labelled by the route template (`POST /v1/grants/:id/
// revoke`), never the raw path or query: paths carry ids and an OIDC callback's query carries a code.
// Health probes, /metrics and the console's files are left out (scrapes every few seconds are noise).
import {
  context,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions'
import type { FastifyInstance } from 'fastify'

const propagator = new W3CTraceContextPropagator()

export function traceApiRequests(app: FastifyInstance, tracer: Tracer, scheme: 'http' | 'https'): void {
  // Routing comes before onRequest in fastify, so the template is known here; added first, this hook runs
  // before authentication, and everything after it (body parsing included) runs in the request's span.
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url
    if (!route || !traced(route)) return done()
    const parent = propagator.extract(ROOT_CONTEXT, request.headers, defaultTextMapGetter)
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_HTTP_ROUTE]: route,
          [ATTR_URL_SCHEME]: scheme,
        },
      },
      parent,
    )
    const active = trace.setSpan(parent, span)
    // The body arrives in 'data' events of the connection's own async context: bind them to the span's.
    context.bind(active, request.raw)
    // 'close' covers every ending: a reply sent, a hijacked one (MCP, event streams), a client gone.
    reply.raw.once('close', () => end(span, reply.raw.statusCode, reply.raw.writableFinished))
    context.with(active, done)
  })
}

function end(span: Span, status: number, finished: boolean): void {
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status)
  if (!finished) span.setAttribute('taskgate.outcome', 'client-gone')
  // Server spans are errors for 5xx only: a 4xx is the client's (OpenTelemetry HTTP semantic conventions).
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR })
  span.end()
}

function traced(route: string): boolean {
  if (route.startsWith('/v1/health')) return false
  return (
    route.startsWith('/v1/') || route === '/mcp' || route.startsWith('/auth/') || route.startsWith('/slack/')
  )
}

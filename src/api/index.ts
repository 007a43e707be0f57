// The control plane's public surface for main.ts.
export type { ApiServer, ApiServerOptions } from './create-api-server.ts'
export { createApiServer } from './create-api-server.ts'
export { buildOpenApiDocument } from './openapi.ts'
export type { ProcessMetrics, PrometheusMetrics } from './prometheus-metrics.ts'
export { createPrometheusMetrics } from './prometheus-metrics.ts'

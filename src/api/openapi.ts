// Generates the OpenAPI 3.1 document from the route specs: the same zod objects that validate requests
// describe them here, so the document cannot drift from the code. OpenAPI 3.1 uses JSON Schema 2020-12,
// which is zod's default target.
import { z } from 'zod'
import packageJson from '../../package.json' with { type: 'json' }
import { problemDto } from './dto.ts'
import type { AnyRouteSpec } from './route-spec.ts'

type JsonSchema = Record<string, unknown>

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema
  return rest
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query'): JsonSchema[] {
  if (!schema) return []
  const object = jsonSchema(schema, 'input')
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((object.required ?? []) as string[])
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property
    return {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    }
  })
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
})

function operationOf(spec: AnyRouteSpec): JsonSchema {
  const responses: Record<string, unknown> = {}
  for (const [status, response] of Object.entries(spec.responses)) {
    responses[status] = response.schema
      ? {
          description: response.description,
          content: { 'application/json': { schema: jsonSchema(response.schema, 'output') } },
        }
      : { description: response.description }
  }
  if (spec.params || spec.query || spec.body)
    responses['400'] = problemResponse('the request is malformed (TG_REQUEST_INVALID, ...)')
  if (!spec.public)
    responses['401'] = problemResponse('no or invalid bearer token (TG_AUTH_MISSING, TG_AUTH_INVALID)')
  responses.default = problemResponse('any other failure, as problem+json with a stable TG_* code')
  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    security: spec.public ? [] : [{ bearer: [] }],
    parameters: [...parametersOf(spec.params, 'path'), ...parametersOf(spec.query, 'query')],
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
          },
        }
      : {}),
    responses,
  }
}

/** The OpenAPI 3.1 document of the given routes. */
export function buildOpenApiDocument(routes: readonly AnyRouteSpec[]): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const spec of routes) {
    const path = spec.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    paths[path] ??= {}
    paths[path][spec.method.toLowerCase()] = operationOf(spec)
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'taskgate control-plane API',
      version: packageJson.version,
      description:
        'Task-scoped just-in-time grants, approvals, sessions and audit. Errors are application/problem+json ' +
        'with a stable `code`; authenticate with `Authorization: Bearer <token>` (OIDC token or service-account key).',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'OIDC access token or service-account key' },
      },
      schemas: { Problem: jsonSchema(problemDto, 'output') },
    },
    paths,
  }
}

// Generates web/src/api/openapi-types.ts from the OpenAPI document (GET /v1/openapi.json, built here
// from the same route specs without a server): one entry per operation with its method, path and the
// TypeScript types of its path parameters, query, body and success response. openapi-typescript needs
// the TypeScript 5 compiler API, which this repo's TypeScript 7 does not ship, so a small converter for
// the JSON Schema subset zod emits does the job. `npm run build` runs it; a test keeps the file current.
import { writeFileSync } from 'node:fs'
import { buildOpenApiDocument } from '../src/api/openapi.ts'
import { apiRoutes } from '../src/api/routes/index.ts'

type Schema = Record<string, unknown>
type Operation = {
  operationId: string
  parameters?: Array<{ name: string; in: 'path' | 'query'; required: boolean; schema: Schema }>
  requestBody?: { content: { 'application/json': { schema: Schema } } }
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>
}

export const WEB_API_TYPES_FILE = new URL('../web/src/api/openapi-types.ts', import.meta.url)

const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name))

export function typeOf(schema: Schema | undefined, indent = ''): string {
  if (!schema || Object.keys(schema).length === 0) return 'unknown'
  if ('const' in schema) return JSON.stringify(schema.const)
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v)).join(' | ')
  for (const union of ['anyOf', 'oneOf'] as const) {
    if (Array.isArray(schema[union]))
      return (schema[union] as Schema[]).map((s) => typeOf(s, indent)).join(' | ')
  }
  if (Array.isArray(schema.type))
    return schema.type.map((t) => typeOf({ ...schema, type: t }, indent)).join(' | ')
  switch (schema.type) {
    case 'string':
      return 'string'
    case 'number':
    case 'integer':
      return 'number'
    case 'boolean':
      return 'boolean'
    case 'null':
      return 'null'
    case 'array':
      return `Array<${typeOf(schema.items as Schema, indent)}>`
    case 'object':
      return objectType(schema, indent)
    default:
      return 'unknown'
  }
}

function objectType(schema: Schema, indent: string): string {
  const properties = (schema.properties ?? {}) as Record<string, Schema>
  const required = new Set((schema.required ?? []) as string[])
  const inner = `${indent}  `
  const lines = Object.entries(properties).map(([name, property]) => {
    const doc =
      typeof property.description === 'string'
        ? `${inner}/** ${property.description.replaceAll('*/', '* /')} */\n`
        : ''
    return `${doc}${inner}${key(name)}${required.has(name) ? '' : '?'}: ${typeOf(property, inner)}`
  })
  const extra = schema.additionalProperties
  if (extra && typeof extra === 'object')
    lines.push(`${inner}[key: string]: ${typeOf(extra as Schema, inner)}`)
  if (lines.length === 0) return extra === false ? 'Record<string, never>' : 'Record<string, unknown>'
  return `{\n${lines.join('\n')}\n${indent}}`
}

function parametersType(operation: Operation, location: 'path' | 'query'): string {
  const parameters = (operation.parameters ?? []).filter((p) => p.in === location)
  if (parameters.length === 0) return 'never'
  const lines = parameters.map(
    (p) => `      ${key(p.name)}${p.required ? '' : '?'}: ${typeOf(p.schema, '      ')}`,
  )
  return `{\n${lines.join('\n')}\n    }`
}

export function webApiTypes(): string {
  const document = buildOpenApiDocument(apiRoutes) as { paths: Record<string, Record<string, Operation>> }
  const table: string[] = []
  const types: string[] = []
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const id = operation.operationId
      const success = Object.entries(operation.responses).find(([status]) => /^2\d\d$/.test(status))?.[1]
      const response = success?.content?.['application/json']?.schema
      const body = operation.requestBody?.content['application/json'].schema
      table.push(`  ${id}: { method: '${method.toUpperCase()}', path: '${path}' },`)
      types.push(
        [
          `  ${id}: {`,
          `    params: ${parametersType(operation, 'path')}`,
          `    query: ${parametersType(operation, 'query')}`,
          `    body: ${body ? typeOf(body, '    ') : 'never'}`,
          `    response: ${response ? typeOf(response, '    ') : 'unknown'}`,
          '  }',
        ].join('\n'),
      )
    }
  }
  return [
    '// Generated from the OpenAPI document by scripts/generate-web-api-types.ts (npm run build); do not edit.',
    '',
    'export const OPERATIONS = {',
    ...table,
    '} as const',
    '',
    'export interface Operations {',
    ...types,
    '}',
    '',
  ].join('\n')
}

if (import.meta.main) {
  writeFileSync(WEB_API_TYPES_FILE, webApiTypes())
  process.stdout.write(`wrote ${WEB_API_TYPES_FILE.pathname}\n`)
}

// Request validation with the routes' zod schemas, reported as TG_REQUEST_INVALID naming each bad field
// (`body.ttl: expected a duration such as 90s, 15m, 2h or 1d`), so a client can fix its request.
import type { FastifySchemaCompiler } from 'fastify'
import type { z } from 'zod'
import { TaskgateError } from '../core/index.ts'

const LOCATION: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
}

export function describeIssues(location: string, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = [location, ...issue.path.map(String)].join('.')
      // zod prefixes type errors with "Invalid input: "; the path already says what was invalid.
      return `${path}: ${issue.message.replace(/^Invalid input: /, '')}`
    })
    .join('; ')
}

/** fastify calls this once per route and location; the returned function runs per request. */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const location = LOCATION[httpPart ?? 'body'] ?? String(httpPart)
  return (data: unknown) => {
    // fastify passes null for an absent body; an empty object lets optional-only bodies through.
    const input = data === null && location === 'body' ? undefined : data
    const result = schema.safeParse(input)
    if (result.success) return { value: result.data }
    const detail = describeIssues(location, result.error.issues)
    return {
      error: new TaskgateError('TG_REQUEST_INVALID', {
        message: `The request is malformed: ${detail}.`,
        detail,
      }),
    }
  }
}

// The HTTP API resource kind as data: its configuration, scope verbs (HTTP methods), built-in guardrails and
// what curl needs. The engine is protocols/http/.
import { z } from 'zod'
import { duration, resourceListen, secretRef, tlsFiles } from '../config/schema-parts.ts'
import type { ResourceKind } from './resource-kind.ts'

const upstreamCredential = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('header'),
      name: z
        .string()
        .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected an HTTP header name')
        .describe('header the upstream reads its key from, e.g. X-Api-Key'),
      value: secretRef,
    }),
    z.strictObject({ type: z.literal('bearer'), token: secretRef }),
    z.strictObject({ type: z.literal('basic'), user: z.string().min(1), password: secretRef }),
    z.strictObject({
      type: z.literal('mtls'),
      cert: z.string().describe('PEM client certificate file'),
      key: z.string().describe('PEM private key file'),
    }),
  ])
  .describe(
    "the gateway's own credential toward the upstream, injected into every forwarded request (clients never see it)",
  )

export const httpResourceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes'),
  kind: z.literal('http'),
  description: z.string().default(''),
  listen: resourceListen.describe('where clients (curl, SDKs, agents) connect over HTTPS to reach this API'),
  target: z
    .strictObject({
      url: z
        .string()
        .regex(/^https?:\/\/[^/?#]+\/?$/, 'expected an origin such as https://api.internal:8443')
        .describe('origin of the real API (http:// or https://, no path)'),
      caFile: z.string().optional().describe('PEM file of the CA that signed an https upstream'),
      credential: upstreamCredential.optional(),
      connectTimeout: duration.default('10s').describe('time to connect to the upstream'),
      responseTimeout: duration
        .default('60s')
        .describe('time for the upstream to send its response headers (502 problem+json after it)'),
      maxSockets: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(256)
        .describe('upstream connections kept per gateway process (keep-alive pool)'),
    })
    .describe('the real HTTP API'),
  tls: tlsFiles
    .optional()
    .describe(
      'certificate for clients; when absent one is generated once and kept in <store.dir>/tls/<id>.crt/.key (0600)',
    ),
  clients: z
    .strictObject({
      maxHeaderBytes: z
        .number()
        .int()
        .min(1024)
        .max(65_536)
        .default(16_384)
        .describe('largest request head (431 past it)'),
      maxInspectBytes: z
        .number()
        .int()
        .min(0)
        .max(16 * 1024 * 1024)
        .default(1024 * 1024)
        .describe(
          'largest JSON request body read for `body:` guardrail traits; a larger one is denied while such a rule is in force',
        ),
      maxMaskBytes: z
        .number()
        .int()
        .min(0)
        .max(64 * 1024 * 1024)
        .default(8 * 1024 * 1024)
        .describe('largest response body masked; a larger one is refused (502) while a masking rule applies'),
      maxConcurrentPerGrant: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(32)
        .describe('requests in flight per grant (429 past it)'),
      headersTimeout: duration.default('30s').describe('time a client has to send its request head'),
      requestTimeout: duration
        .default('10m')
        .describe(
          'time a client has to send its whole request (slow bodies); also bounds waiting for an approval',
        ),
      pathParameters: z
        .enum(['strip', 'reject'])
        .default('strip')
        .describe(
          '`;` parameters in path segments: stripped before policy and forwarding (as servlet containers read them), or refused',
        ),
      stripHeaders: z
        .array(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/))
        .max(64)
        .default([])
        .describe(
          'more client request headers the upstream trusts as identity, removed before forwarding (built in: Authorization, Proxy-Authorization, Cookie, Forwarded, X-Forwarded-*, X-Real-IP, X-Remote-User, X-Auth-*, X-User*, Impersonate-*)',
        ),
    })
    .prefault({})
    .describe('limits and rules for clients of this resource'),
})

/** Every verb the HTTP classifier emits: the methods it forwards, lower case (`GET:/v1/*` reads as `get`).
 * HEAD needs `get` (it is a GET without the body). */
export const HTTP_SCOPE_VERBS = ['get', 'post', 'put', 'patch', 'delete', 'options']

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`

/** The bearer token a client sends: the credential's login name and secret in one string. */
export function httpBearerToken(user: string, password: string): string {
  return `${user}.${password}`
}

export const httpKind: ResourceKind = {
  name: 'http',
  scopeVerbs: HTTP_SCOPE_VERBS,
  defaultGuardrails: [
    {
      id: 'no-uninspected-body',
      description:
        'a body guardrail is in force and this request body could not be read (not JSON, or over clients.maxInspectBytes), or the request has more query parameters and body fields (512) or deeper JSON (32) or longer key paths (1,024 characters) than rules are checked against',
      action: 'deny',
      traits: ['body-uninspected', 'traits-truncated'],
    },
  ],
  client: {
    /** TASKGATE_HTTP_URL and TASKGATE_HTTP_TOKEN for scripts (TASKGATE_TOKEN is the CLI's own); curl reads neither, so commandLine passes them. */
    environment: (c) => ({
      TASKGATE_HTTP_URL: `https://${c.host}:${c.port}`,
      TASKGATE_HTTP_TOKEN: httpBearerToken(c.user, c.password),
      ...(c.caFile ? { TASKGATE_HTTP_CA: c.caFile } : {}),
    }),
    argumentsFor: (client, c) =>
      client.endsWith('curl')
        ? [
            ...(c.caFile ? ['--cacert', c.caFile] : []),
            '--oauth2-bearer',
            httpBearerToken(c.user, c.password),
          ]
        : [],
    commandLine: (c) =>
      `curl${c.caFile ? ' --cacert "$TASKGATE_HTTP_CA"' : ''} --oauth2-bearer "$TASKGATE_HTTP_TOKEN" ${shellQuote(`https://${c.host}:${c.port}/`)}`,
  },
}

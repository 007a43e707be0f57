// Schema pieces every part of the configuration shares, resource kinds included (src/kinds/*): kept apart
// from schema.ts so a kind's module can build its resource schema from them without importing the whole
// configuration (schema.ts imports the kinds).
import { z } from 'zod'

export const secretRef = z
  .union(
    [
      z.strictObject({
        env: z.string().min(1).describe('name of an environment variable holding the secret'),
      }),
      z.strictObject({
        file: z.string().min(1).describe('path of a file holding the secret (trailing newline ignored)'),
      }),
    ],
    {
      error:
        'expected { env: NAME } or { file: PATH }: a secret is never written in the configuration in clear',
    },
  )
  .describe('a secret, never written in clear: `{ env: NAME }` or `{ file: PATH }`')

export const hostPort = z.strictObject({
  host: z.string().min(1).default('127.0.0.1').describe('address to listen on'),
  port: z.number().int().min(0).max(65535).describe('TCP port (0 picks a free one)'),
  advertise: z
    .strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535),
    })
    .optional()
    .describe(
      'where clients reach this listener when that is not where it listens: a load balancer in front of several gateways (replicas), a Kubernetes Service, a NAT. Grants hand out this address. Resources only (the API has api.publicUrl)',
    ),
})

/** A resource's listener, which may sit behind a balancer that sends the PROXY protocol
 * (protocols/kit/proxy-protocol.ts). */
export const resourceListen = hostPort.extend({
  proxyProtocol: z
    .strictObject({
      trustedSources: z
        .array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()]))
        .min(1)
        .describe('addresses or networks of the balancers (`10.0.0.5`, `10.0.0.0/8`)'),
    })
    .optional()
    .describe(
      'read a PROXY protocol header (v1 or v2, as HAProxy `send-proxy`/`send-proxy-v2` sends) first on every connection from these balancers, and count the client it names, not the balancer, in failed-login limits, audit and sessions; a connection from them without a valid header is closed. Connections from other addresses are served as they are',
    ),
})

export const duration = z
  .string()
  .regex(/^\d+(s|m|h|d)$/, 'expected a duration such as 90s, 15m, 2h or 1d')
  .describe('a duration: 90s, 15m, 2h, 1d')

export const tlsFiles = z.strictObject({
  cert: z.string().describe('PEM certificate file'),
  key: z.string().describe('PEM private key file'),
})

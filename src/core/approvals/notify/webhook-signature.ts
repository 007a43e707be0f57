// Webhook signatures in the widely used `t=<unix>,v1=<hex>` form: HMAC-SHA256 over `${t}.${body}`. Signing
// the timestamp with the body lets a receiver refuse replays of an old, captured delivery.
import { createHmac, timingSafeEqual } from 'node:crypto'

export const SIGNATURE_HEADER = 'X-Taskgate-Signature'

/** The value of X-Taskgate-Signature for `body` sent at `timestampSeconds`. */
export function signWebhookBody(secret: string, body: string | Uint8Array, timestampSeconds: number): string {
  return `t=${timestampSeconds},v1=${hmacHex(secret, timestampSeconds, body)}`
}

/**
 * Checks an X-Taskgate-Signature header against the raw request body, as a receiver should: verify the
 * bytes received (before any JSON parsing), with the shared secret, and refuse a timestamp more than
 * `toleranceSeconds` away from `now` (a replayed delivery). Several `v1=` entries are accepted, any one
 * matching, so a sender can sign with an old and a new secret while rotating. Comparison is constant-time.
 *
 * ```ts
 * const ok = verifyWebhookSignature(secret, req.headers['x-taskgate-signature'], rawBody, new Date())
 * if (!ok) return reply.code(401).send()
 * ```
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | undefined,
  body: string | Uint8Array,
  now: Date,
  toleranceSeconds = 300,
): boolean {
  if (!header) return false
  let timestamp: number | undefined
  const signatures: string[] = []
  for (const part of header.split(',')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    const key = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value)
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase())
  }
  if (timestamp === undefined || signatures.length === 0) return false
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex')
  let ok = false
  // Compare against every candidate, without stopping early, so timing says nothing about which matched.
  for (const candidate of signatures) {
    if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) ok = true
  }
  return ok
}

function hmacHex(secret: string, timestampSeconds: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex')
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number
  /** Wait before the second attempt; doubles each time after. */
  baseDelayMs: number
  /** Ceiling on any one wait, Retry-After included, so a delivery never sleeps unbounded. */
  maxDelayMs: number
}

/**
 * Exponential backoff with ±25 % jitter (base, 2×base, 4×base, ...), so receivers that failed together are
 * not retried in lockstep; a Retry-After the receiver sent wins when it asks for longer, up to maxDelayMs.
 */
export function retryDelayMs(
  failedAttempt: number,
  policy: RetryPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1))
  const jittered = backoff * (0.75 + random() * 0.5)
  return Math.round(Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0)))
}

/** Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3); anything else is ignored. */
export function parseRetryAfterMs(value: string | null, now: Date): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  // Every HTTP-date form starts with a day name; Date.parse alone would read '-5' as a year.
  const at = /^[A-Za-z]{3,9},? /.test(trimmed) ? Date.parse(trimmed) : Number.NaN
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - now.getTime())
}

/** Network failures, timeouts, 429 and 5xx may pass; any other answer would be the same next time. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500
}

// Slack's request signing (api.slack.com/authentication/verifying-requests-from-slack): the
// X-Slack-Signature header is `v0=` + hex HMAC-SHA256, keyed with the app's signing secret, over
// `v0:{X-Slack-Request-Timestamp}:{raw body}`. Verified on the bytes received, before any parsing.
import { createHmac, timingSafeEqual } from 'node:crypto'

/** Slack's own advice: refuse a timestamp more than five minutes from the local clock. */
const SLACK_TOLERANCE_SECONDS = 300

export type SlackRequestCheck = 'ok' | 'missing' | 'stale' | 'bad-signature' | 'replayed' | 'busy'

/** `v0=<hex>` for `body` sent at `timestampSeconds`: what Slack sends, and what tests sign with. */
export function slackSignature(signingSecret: string, timestampSeconds: string, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex')}`
}

/**
 * Checks one request and remembers its signature for the window, so the same signed request is accepted
 * once: an attacker who captured a request (a proxy log, a shared terminal) cannot press the button again.
 * The memory is bounded; when it is full of unexpired signatures the request is refused, not a signature
 * forgotten early (forgetting would reopen the replay window for it).
 */
export class SlackRequestVerifier {
  readonly #secret: string
  readonly #maxRemembered: number
  /** signature -> unix seconds after which it can no longer pass the timestamp check */
  readonly #seen = new Map<string, number>()

  constructor(signingSecret: string, maxRemembered = 10_000) {
    this.#secret = signingSecret
    this.#maxRemembered = maxRemembered
  }

  check(
    timestampHeader: string | undefined,
    signatureHeader: string | undefined,
    body: string,
    now: Date,
  ): SlackRequestCheck {
    if (!timestampHeader || !signatureHeader || this.#secret === '') return 'missing'
    if (!/^\d{1,12}$/.test(timestampHeader)) return 'missing'
    const nowSeconds = Math.floor(now.getTime() / 1000)
    const timestamp = Number(timestampHeader)
    if (Math.abs(nowSeconds - timestamp) > SLACK_TOLERANCE_SECONDS) return 'stale'
    if (!/^v0=[0-9a-f]{64}$/.test(signatureHeader)) return 'bad-signature'
    const expected = Buffer.from(slackSignature(this.#secret, timestampHeader, body))
    if (!timingSafeEqual(expected, Buffer.from(signatureHeader))) return 'bad-signature'
    this.#sweep(nowSeconds, false)
    if (this.#seen.has(signatureHeader)) return 'replayed'
    if (this.#seen.size >= this.#maxRemembered) this.#sweep(nowSeconds, true)
    if (this.#seen.size >= this.#maxRemembered) return 'busy'
    this.#seen.set(signatureHeader, timestamp + SLACK_TOLERANCE_SECONDS)
    return 'ok'
  }

  #sweep(nowSeconds: number, everything: boolean): void {
    // Insertion order is close to expiry order (timestamps lie within the window), so the cheap sweep stops
    // at the first live entry; a full one runs only when the memory is full.
    for (const [signature, until] of this.#seen) {
      if (until >= nowSeconds) {
        if (everything) continue
        break
      }
      this.#seen.delete(signature)
    }
  }
}

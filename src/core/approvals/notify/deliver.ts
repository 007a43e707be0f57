import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Clock } from '../../clock.ts'
import type { ApprovalNotificationType } from './notification.ts'
import { isRetryableStatus, parseRetryAfterMs, type RetryPolicy, retryDelayMs } from './retry-delay.ts'
import { SIGNATURE_HEADER, signWebhookBody } from './webhook-signature.ts'

/** One notification bound for one target; its id stays the same across retries so receivers can dedupe. */
export interface Delivery {
  id: string
  targetId: string
  url: string
  secret: string | undefined
  event: ApprovalNotificationType
  approvalId: string
  body: string
  retry: RetryPolicy
}

export interface DeliverDeps {
  fetch: typeof fetch
  clock: Clock
  logger: Logger
  timeoutMs: number
  /** Aborted when the notifier closes past its deadline: stop at once, whatever the attempt. */
  signal: AbortSignal
}

export type DeliveryOutcome = 'delivered' | 'rejected' | 'gave-up' | 'aborted'

/**
 * POSTs the delivery until the receiver answers 2xx, refuses it (3xx or 4xx other than 429), or attempts run
 * out. Logs name the target by id only: a Slack webhook URL is itself a credential.
 */
export async function deliver(delivery: Delivery, deps: DeliverDeps): Promise<DeliveryOutcome> {
  const where = {
    target: delivery.targetId,
    delivery: delivery.id,
    event: delivery.event,
    approval: delivery.approvalId,
  }
  for (let attempt = 1; ; attempt++) {
    if (deps.signal.aborted) return 'aborted'
    let failure: string
    let retryAfterMs: number | undefined
    try {
      const response = await deps.fetch(delivery.url, {
        method: 'POST',
        headers: headersFor(delivery, deps.clock.now()),
        body: delivery.body,
        // A redirect would carry the signed body (and its headers) somewhere the operator never configured.
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(deps.timeoutMs), deps.signal]),
      })
      // Nobody reads the answer; cancelling it frees the connection for the next delivery.
      await response.body?.cancel().catch(() => {})
      if (response.ok) {
        deps.logger.debug({ ...where, attempt }, 'approval notification delivered')
        return 'delivered'
      }
      if (!isRetryableStatus(response.status)) {
        deps.logger.warn(
          { ...where, attempt, status: response.status },
          'notification target refused an approval notification; not retrying',
        )
        return 'rejected'
      }
      failure = `HTTP ${response.status}`
      retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'), deps.clock.now())
    } catch (error) {
      if (deps.signal.aborted) return 'aborted'
      failure = describeFailure(error, deps.timeoutMs)
    }
    if (attempt >= delivery.retry.maxAttempts) {
      deps.logger.error(
        { ...where, attempts: attempt, failure },
        'gave up delivering an approval notification',
      )
      return 'gave-up'
    }
    const delayMs = retryDelayMs(attempt, delivery.retry, retryAfterMs)
    deps.logger.debug({ ...where, attempt, failure, delayMs }, 'approval notification failed; will retry')
    try {
      await sleep(delayMs, undefined, { signal: deps.signal })
    } catch {
      return 'aborted'
    }
  }
}

function headersFor(delivery: Delivery, now: Date): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'taskgate-notifier',
    'x-taskgate-event': delivery.event,
    'x-taskgate-delivery': delivery.id,
  }
  // Signed per attempt, with the attempt's time: a retry minutes later must still pass the receiver's
  // replay window, and the body it signs is the same bytes every time.
  if (delivery.secret !== undefined) {
    const timestamp = Math.floor(now.getTime() / 1000)
    headers[SIGNATURE_HEADER.toLowerCase()] = signWebhookBody(delivery.secret, delivery.body, timestamp)
  }
  return headers
}

/** A short cause for the log: an error code or kind, never the error's message, which may quote the URL. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `timed out after ${timeoutMs} ms`
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause
  if (cause && typeof cause.code === 'string') return cause.code
  return error instanceof Error ? error.name : 'unknown error'
}

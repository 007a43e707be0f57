import type { Logger } from 'pino'
import type { Clock } from '../../clock.ts'
import { TaskgateError } from '../../errors.ts'
import { newId } from '../../ids.ts'
import { type Delivery, type DeliveryOutcome, deliver } from './deliver.ts'
import {
  type ApprovalNotification,
  type ApprovalNotificationType,
  type NotificationPayload,
  notificationPayload,
} from './notification.ts'
import type { RetryPolicy } from './retry-delay.ts'
import { slackMessage } from './slack-message.ts'

/** A place approvers hear about approvals; secrets already resolved from the config's secret refs. */
export interface NotificationTarget {
  id: string
  /** `webhook`: the JSON payload, signed. `slack`: a Slack-compatible incoming-webhook message. */
  kind: 'webhook' | 'slack'
  url: string
  /** HMAC-SHA256 key for X-Taskgate-Signature; required for webhooks, optional for Slack. */
  secret?: string
  /** Only these events; all when absent. */
  events?: readonly ApprovalNotificationType[]
  maxAttempts?: number
}

export interface NotifierOptions {
  targets: readonly NotificationTarget[]
  clock: Clock
  logger: Logger
  fetch?: typeof fetch
  /** The console's URL; each notification then links to `${publicUrl}/approvals/${id}`. */
  publicUrl?: string
  /** Backoff between attempts: baseDelayMs (500) doubling, each wait at most maxDelayMs (60 000). */
  retry?: { baseDelayMs?: number; maxDelayMs?: number }
  /** Attempts for targets that do not set maxAttempts (6). */
  maxAttempts?: number
  /** Per HTTP request (10 000). */
  timeoutMs?: number
  /** Deliveries waiting per target; past it the oldest is dropped, with a warning (1000). */
  maxQueue?: number
  /** Told how each delivery ended (for `taskgate_notifications_total`); must not throw. */
  onSettled?: (targetId: string, outcome: DeliveryOutcome | 'dropped') => void
  /** Deliveries in flight per target (4). */
  concurrency?: number
  /** Slack requests carry Approve/Deny buttons and a reason field (approvals.slack is configured). */
  slackInteractive?: boolean
  /** How long close() lets queued and in-flight deliveries finish (5000). */
  closeTimeoutMs?: number
}

export interface Notifier {
  /** Queues the notification for every target that wants it; never blocks, never throws. */
  notify(event: ApprovalNotification): void
  /** Stops taking notifications and lets pending ones finish, aborting what is left at the deadline. */
  close(timeoutMs?: number): Promise<void>
}

interface TargetQueue {
  target: NotificationTarget
  retry: RetryPolicy
  pending: Delivery[]
  active: number
  scheduled: boolean
}

/** Approval notifications to webhooks and Slack, delivered in the background, each target on its own. */
export function createNotifier(options: NotifierOptions): Notifier {
  const { clock, logger } = options
  const fetchFn = options.fetch ?? globalThis.fetch
  const timeoutMs = options.timeoutMs ?? 10_000
  const maxQueue = options.maxQueue ?? 1000
  const concurrency = options.concurrency ?? 4
  const baseDelayMs = options.retry?.baseDelayMs ?? 500
  const maxDelayMs = options.retry?.maxDelayMs ?? 60_000
  checkTargets(options.targets)
  const queues = options.targets.map(
    (target): TargetQueue => ({
      target,
      retry: { maxAttempts: target.maxAttempts ?? options.maxAttempts ?? 6, baseDelayMs, maxDelayMs },
      pending: [],
      active: 0,
      scheduled: false,
    }),
  )
  const stop = new AbortController()
  let closing: Promise<void> | undefined
  let outstanding = 0
  let onIdle: (() => void) | undefined

  const settle = () => {
    outstanding--
    if (outstanding === 0) onIdle?.()
  }

  const pump = (queue: TargetQueue) => {
    queue.scheduled = false
    while (queue.active < concurrency && queue.pending.length > 0) {
      const delivery = queue.pending.shift()!
      queue.active++
      deliver(delivery, { fetch: fetchFn, clock, logger, timeoutMs, signal: stop.signal })
        .then((outcome) => options.onSettled?.(delivery.targetId, outcome))
        .catch((error: unknown) => logger.error({ err: error, target: delivery.targetId }, 'notifier bug'))
        .finally(() => {
          queue.active--
          settle()
          pump(queue)
        })
    }
  }

  const enqueue = (queue: TargetQueue, delivery: Delivery) => {
    queue.pending.push(delivery)
    outstanding++
    if (queue.pending.length > maxQueue) {
      const dropped = queue.pending.shift()!
      settle()
      options.onSettled?.(dropped.targetId, 'dropped')
      logger.warn(
        {
          target: dropped.targetId,
          delivery: dropped.id,
          event: dropped.event,
          approval: dropped.approvalId,
        },
        `notification queue full (${maxQueue}); dropped the oldest approval notification`,
      )
    }
    // Deliveries start on a later turn of the event loop: the caller (the data path) only pays for the push.
    if (!queue.scheduled) {
      queue.scheduled = true
      setImmediate(pump, queue)
    }
  }

  const notify = (event: ApprovalNotification) => {
    try {
      if (closing) {
        logger.warn(
          { event: event.type, approval: event.approval.id },
          'notifier closed; notification dropped',
        )
        return
      }
      const payload = notificationPayload(event, clock.now(), options.publicUrl)
      const bodies = { webhook: '', slack: '' }
      for (const queue of queues) {
        const { target } = queue
        if (target.events && !target.events.includes(event.type)) continue
        if (!bodies[target.kind])
          bodies[target.kind] = render(target.kind, payload, options.slackInteractive === true)
        enqueue(queue, {
          id: newId('dlv', 20),
          targetId: target.id,
          url: target.url,
          secret: target.secret,
          event: event.type,
          approvalId: event.approval.id,
          body: bodies[target.kind],
          retry: queue.retry,
        })
      }
    } catch (error) {
      // A notification is never worth failing the caller's operation for.
      logger.error({ err: error, approval: event?.approval?.id }, 'could not queue an approval notification')
    }
  }

  const close = (deadlineMs = options.closeTimeoutMs ?? 5000): Promise<void> => {
    closing ??= (async () => {
      if (outstanding > 0) {
        const idle = new Promise<void>((resolve) => {
          onIdle = resolve
        })
        let timer: NodeJS.Timeout | undefined
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(resolve, deadlineMs, 'late')
        })
        const result = await Promise.race([idle, late])
        clearTimeout(timer)
        if (result === 'late') {
          const waiting = queues.reduce((n, q) => n + q.pending.length, 0)
          logger.warn(
            { undelivered: outstanding, waiting },
            'notifier closed before every approval notification was delivered',
          )
          for (const queue of queues) {
            outstanding -= queue.pending.length
            queue.pending.length = 0
          }
          stop.abort()
          if (outstanding > 0) await idle
        }
      }
      stop.abort()
    })()
    return closing
  }

  return { notify, close }
}

function render(
  kind: NotificationTarget['kind'],
  payload: NotificationPayload,
  interactive: boolean,
): string {
  return JSON.stringify(kind === 'slack' ? slackMessage(payload, { interactive }) : payload)
}

/** The notifier checks what it is given (house style §5.10): one message naming the target, never its URL. */
function checkTargets(targets: readonly NotificationTarget[]): void {
  const seen = new Set<string>()
  for (const target of targets) {
    const problem = targetProblem(target, seen)
    if (problem) {
      throw new TaskgateError('TG_CONFIG_INVALID', {
        message: `notifications.targets ${target.id}: ${problem}`,
      })
    }
    seen.add(target.id)
  }
}

function targetProblem(target: NotificationTarget, seen: Set<string>): string | undefined {
  if (seen.has(target.id)) return 'the id is used by another target'
  let url: URL
  try {
    url = new URL(target.url)
  } catch {
    return 'url is not a valid URL'
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'url must be http or https'
  if (target.kind === 'webhook' && !target.secret) return 'a webhook target needs a secret to sign with'
  const attempts = target.maxAttempts
  if (attempts !== undefined && !(Number.isInteger(attempts) && attempts >= 1)) {
    return 'maxAttempts must be a whole number of at least 1'
  }
  return undefined
}

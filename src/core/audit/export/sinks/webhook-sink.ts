// HTTPS webhook: each batch POSTed as JSON Lines of ECS documents, signed like approval notifications
// (X-Taskgate-Signature: t=<unix>,v1=HMAC-SHA256(secret, `${t}.${body}`)), so receivers verify one way.

import { SIGNATURE_HEADER, signWebhookBody } from '../../../approvals/notify/webhook-signature.ts'
import type { Clock } from '../../../clock.ts'
import type { AuditEntry } from '../../events.ts'
import type { AuditSink } from '../audit-sink.ts'
import { toEcsDocument } from '../ecs-document.ts'
import { createHttpPoster } from './http-post.ts'

export interface WebhookSinkOptions {
  id: string
  batchSize: number
  maxAttempts: number
  url: string
  secret: string
  ca?: string
  timeoutMs: number
  clock: Clock
}

/** Header naming the batch's first and last seq, so a receiver can drop a batch it already has. */
const BATCH_HEADER = 'x-taskgate-audit-seq'

export function createWebhookSink(options: WebhookSinkOptions): AuditSink {
  const poster = createHttpPoster({
    url: options.url,
    timeoutMs: options.timeoutMs,
    ...(options.ca ? { ca: options.ca } : {}),
  })
  return {
    id: options.id,
    kind: 'webhook',
    batchSize: options.batchSize,
    maxAttempts: options.maxAttempts,
    async deliver(entries: readonly AuditEntry[]) {
      const body = entries.map((e) => `${JSON.stringify(toEcsDocument(e))}\n`).join('')
      // Signed per attempt with the attempt's time: a retry minutes later still passes a replay window.
      const timestamp = Math.floor(options.clock.now().getTime() / 1000)
      await poster.post(body, {
        'content-type': 'application/x-ndjson',
        'user-agent': 'taskgate-audit-export',
        [BATCH_HEADER]: `${entries[0]?.seq}-${entries.at(-1)?.seq}`,
        [SIGNATURE_HEADER.toLowerCase()]: signWebhookBody(options.secret, body, timestamp),
      })
    },
    close: () => poster.close(),
  }
}

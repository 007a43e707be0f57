// What the recording keeps of one HTTP exchange: the request line (secret-looking query values replaced),
// a few request headers that say what was asked (never Authorization, Cookie or any credential), a masked
// sample of an inspected request body; then the status, sizes, content type and a masked sample of the
// response body, as the action's result row. Approvers see the same request text.
import type { IncomingHttpHeaders } from 'node:http'
import { type Action, type Core, type MaskingContext, maskValue } from '../../core/index.ts'
import { bodyKind } from './bodies.ts'
import { redactQuery } from './classify.ts'
import type { GrantSession } from './grant-sessions.ts'
import { recordedHeaders } from './headers.ts'
import { type ResponseSummary, redactSecrets } from './respond.ts'

const BODY_SAMPLE = 1024

export function requestRecordText(
  action: Action,
  headers: IncomingHttpHeaders,
  body: { text: string } | 'uninspected' | undefined,
  masking: MaskingContext | undefined,
): string {
  const parts = [action.recordText ?? action.text]
  const head = recordedHeaders(headers)
  if (head) parts.push(head)
  if (body && body !== 'uninspected') {
    // A form body is a query string: its secret-named fields are replaced as a query's are.
    const form = bodyKind(headers['content-type']) === 'form'
    parts.push('', maskedSample(form ? redactQuery(body.text) : body.text, masking))
  }
  return parts.join('\n')
}

/** A body sample with masking applied as a response would be, then secret-looking JSON values replaced. */
export function maskedSample(text: string, masking: MaskingContext | undefined): string {
  let sample = text
  if (masking) {
    const plan = masking.plan([{ name: 'body', typeHint: 'json' }])
    sample = maskValue(plan, 0, text) ?? 'null'
  }
  const cut = sample.length > BODY_SAMPLE ? `${sample.slice(0, BODY_SAMPLE)}…` : sample
  return redactSecrets(cut)
}

export interface ExchangeOutcome {
  durationMs: number
  requestBytes: number
  response?: ResponseSummary
  error?: string
}

const RESULT_COLUMNS = ['status', 'request_bytes', 'response_bytes', 'content_type', 'body_sample']

/** Records the outcome of an allowed exchange under its start record (never awaited). */
export function recordExchange(
  core: Core,
  session: GrantSession,
  decided: { action: Action; seq?: number },
  outcome: ExchangeOutcome,
): void {
  const { action } = decided
  const response = outcome.response
  const error = outcome.error ?? response?.error
  try {
    core.recordAction(
      session.handle,
      {
        kind: action.kind,
        text: action.recordText ?? action.text,
        outcome: 'allow',
        durationMs: outcome.durationMs,
        ...(error ? { error } : {}),
        ...(response
          ? {
              result: {
                columns: RESULT_COLUMNS,
                rows: [
                  [
                    response.status,
                    outcome.requestBytes,
                    response.bytes,
                    response.contentType,
                    response.sample,
                  ],
                ],
                truncated: false,
              },
              ...(response.masked && Object.keys(response.masked).length > 0
                ? { masked: response.masked }
                : {}),
            }
          : {}),
      },
      decided.seq,
    )
  } catch {
    // Recording failures surface through core's own recording state (onFailure); the exchange is done.
  }
}

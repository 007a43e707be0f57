// What the session records of each statement: a refusal as it is answered, an allowed one once the server
// has answered it (rows, duration, error, a result summary for replay, what masking changed).
import type { Core, Decision, SessionHandle } from '../../core/index.ts'
import type { StatementInfo } from './pending-responses.ts'
import type { Completed } from './server-frames.ts'

export function recordDenial(
  core: Core,
  handle: SessionHandle,
  statement: StatementInfo,
  decision: Exclude<Decision, { outcome: 'allow' }>,
): void {
  core.recordAction(
    handle,
    {
      kind: statement.kind,
      text: statement.text,
      outcome: decision.outcome,
      ...(statement.needs ? { needs: statement.needs } : {}),
      rule: decision.rule,
      reason: decision.reason,
    },
    statement.seq,
  )
}

export function recordCompleted(core: Core, handle: SessionHandle, c: Completed): void {
  // A statement carrying a secret may see it echoed in its rows or the server's message: SQLSTATE only.
  const secret = c.statement?.secret === true
  const error = secret && c.error !== undefined ? `${c.error.split(':')[0]}: (message withheld)` : c.error
  // Field by field: one object per statement, no temporaries spread into it.
  const record: Parameters<Core['recordAction']>[1] = {
    kind: c.statement?.kind ?? 'Unknown',
    text: c.statement?.text ?? '',
    outcome: 'allow',
    rowCount: c.rowCount,
    durationMs: Math.round(c.durationMs * 1000) / 1000,
    error,
  }
  if (c.result && !secret) record.result = c.result
  if (c.masked) record.masked = c.masked
  core.recordAction(handle, record, c.seq)
}

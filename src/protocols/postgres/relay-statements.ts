// The statement path of one relay session: the client frames (client-frames.ts) hand each statement to the
// statement decider (statement-decider.ts, on the kit's action gate), which answers at once or later.
// session.ts owns the sockets and scanners; this wires the two together.
import type { MaskingContext } from '../../core/index.ts'
import { ClientFrames, type DecidedStatement } from './client-frames.ts'
import { createStatementDecider } from './create-statement-decider.ts'
import type { PendingResponses } from './pending-responses.ts'
import type { RelayOptions } from './relay-options.ts'
import { recordDenial } from './session-records.ts'
import type { StatementDecider } from './statement-decider.ts'
import type { StatementNamespace } from './statement-namespace.ts'
import type { ErrorFields } from './wire/server-messages.ts'

export interface StatementPathHooks {
  pending: PendingResponses
  namespace: StatementNamespace
  masking: MaskingContext | undefined
  now(): number
  /** Aborted when the session closes: approval waits end. */
  signal: AbortSignal
  /** Tells the client its statement waits for a person. */
  waiting(notice: ErrorFields): void
  closed(): boolean
  /** Hands a later decision to the paused client scanner and resumes it. */
  answer(decided: DecidedStatement): void
}

export function createStatementPath(
  options: RelayOptions,
  hooks: StatementPathHooks,
): { decider: StatementDecider; clientFrames: ClientFrames } {
  const decider = createStatementDecider(options, hooks)
  const clientFrames = new ClientFrames({
    pending: hooks.pending,
    namespace: hooks.namespace,
    now: hooks.now,
    decideNow: (text, statement) => decider.decideNow(text, statement),
    decide: (text, statement) => void decider.decideLater(text, statement),
    hold: (held, parameters) => void decider.holdExecution(held, parameters),
    recordDenial: (statement, decision) => recordDenial(options.core, options.handle, statement, decision),
    start: (statement) => decider.startExecution(statement),
  })
  return { decider, clientFrames }
}

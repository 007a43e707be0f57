// A relay session's statement decider on the kit's action gate: the gate holds for a person (the session's
// waiting notice tells the client), records an allowed statement's start and fails closed; the decider keeps
// what is PostgreSQL's own (Parse/Bind holds, FunctionCall, row estimates); the gate's allow cache keeps each
// allowed text's classification.
import type { MaskingContext } from '../../core/index.ts'
import { ActionGate } from '../kit/action-gate.ts'
import type { ClassifiedSql } from './classify.ts'
import type { DecidedStatement } from './client-frames.ts'
import { waitingNotice } from './errors.ts'
import { literalMasker } from './statement-answers.ts'
import { StatementDecider, type StatementDeciderOptions, type ViewsByName } from './statement-decider.ts'
import type { StatementNamespace } from './statement-namespace.ts'
import type { ErrorFields } from './wire/server-messages.ts'

const ALLOW_CACHE_ENTRIES = 2048

/** The decider of one relay session, on the kit's action gate. */
export function createStatementDecider(
  options: Omit<
    StatementDeciderOptions,
    'gate' | 'namespace' | 'maskLiteral' | 'masked' | 'closed' | 'answer' | 'views'
  > & { catalog?: ViewsByName | undefined },
  session: {
    namespace: StatementNamespace
    masking: MaskingContext | undefined
    /** Aborted when the session ends: a held statement's approval then expires. */
    signal: AbortSignal
    /** Tells the client its statement waits for a person. */
    waiting(notice: ErrorFields): void
    closed(): boolean
    answer(decided: DecidedStatement): void
  },
): StatementDecider {
  const { core, handle, logger } = options
  const gate = new ActionGate<ClassifiedSql>({
    core,
    handle,
    logger,
    // Keyed by the text as sent: a key that costs nothing to build, hashed once per statement.
    allowCacheEntries: ALLOW_CACHE_ENTRIES,
    onWaiting: (approvalId, decision) => session.waiting(waitingNotice({ ...decision, approvalId })),
    signal: session.signal,
  })
  return new StatementDecider({
    ...options,
    gate,
    namespace: session.namespace,
    // Masks what the detectors in force find in a statement's literals and parameters for the record, the
    // audit and approvers; undefined when no rule can mask a free value (texts recorded as sent).
    maskLiteral: literalMasker(session.masking),
    // A FunctionCall's result (FunctionCallResponse) has no column to mask by: refused under masking.
    masked: session.masking !== undefined,
    // A filter on a view's column is one on what it carries (a renamed masked column): only under masking.
    views: session.masking !== undefined ? options.catalog : undefined,
    closed: session.closed,
    answer: session.answer,
  })
}

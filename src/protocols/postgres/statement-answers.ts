// The answers a statement gets that need no state of the session: allowed (with what masking and the
// prepared-statement namespace need), denied or held by policy, refused over the client limits (54000), or
// refused because deciding failed; and the literal masker the record, the audit and approvers see values through.
import { ALLOW, type Decision, type MaskingContext, maskValue } from '../../core/index.ts'
import type { ClassifiedSql } from './classify.ts'
import type { DecidedStatement } from './client-frames.ts'
import { syntaxErrorFields } from './errors.ts'
import type { MaskLiteral } from './redact-literals.ts'
import { readsOf, type StatementReads } from './statement-reads.ts'
import { statementWrites } from './statement-writes.ts'

export function allowed(classified: ClassifiedSql, text: string): DecidedStatement {
  // Field by field (one per allowed statement): no temporary object spread into it.
  const decided: DecidedStatement = {
    kind: classified.action.kind,
    action: classified.action,
    decision: ALLOW,
    prepared: classified.prepared,
    deallocated: classified.deallocated,
  }
  const { recordText } = classified.action
  if (recordText !== undefined && recordText !== text) decided.recordText = recordText
  const reads = readsOf(classified)
  if (reads !== undefined) decided.reads = reads
  return decided
}

/** The answer for a statement core did not allow as it stands, or undefined when it did: a denial (a text
 * PostgreSQL's parser rejects answered as the server would), or an approve-first Parse (held at each Bind,
 * where the parameter values are known). A Parse of a text that runs or makes SQL prepared statements is
 * refused: it would run whatever the name means at each Execute, not what was decided here. */
export function notAllowed(
  classified: ClassifiedSql,
  text: string,
  statement: string | undefined,
  policyDecision: Decision,
): DecidedStatement | undefined {
  let decision = policyDecision
  if (statement !== undefined && (classified.dependsOnPrepared || classified.prepared.length > 0))
    decision = {
      outcome: 'deny',
      code: 'TG_UNCLASSIFIED',
      rule: 'unclassified',
      reason:
        'taskgate does not run SQL PREPARE or EXECUTE through the extended protocol; send it as a simple query',
    }
  if (decision.outcome === 'allow') return undefined
  const decided: DecidedStatement = {
    kind: classified.action.kind,
    action: classified.action,
    decision,
    ...describedBy(classified, text),
    ...(statement === undefined ? {} : { write: statementWrites(classified.action) }),
  }
  if (decision.outcome === 'deny' && classified.syntaxError)
    decided.error = syntaxErrorFields(classified.syntaxError)
  if (decision.outcome === 'approve-first') decided.held = classified.action
  return decided
}

/** `recordText` when the text to record is not what the client sent (a secret redacted, values masked),
 * and what the text reads, which masking needs and must not parse the text again to learn. */
export function describedBy(
  classified: ClassifiedSql,
  text: string,
): { recordText?: string; reads?: StatementReads } {
  const { recordText } = classified.action
  const reads = readsOf(classified)
  return {
    ...(recordText === undefined || recordText === text ? {} : { recordText }),
    ...(reads === undefined ? {} : { reads }),
  }
}

/** A text longer than maxStatementBytes (checked before it is parsed) or, once classified, holding more
 * statements than maxStatementsPerQuery: refused with 54000 (program_limit_exceeded), the refusal recorded
 * like a denial. */
export function overStatementLimits(
  limits: { maxStatementBytes: number; maxStatementsPerQuery: number },
  text: string,
  classified?: ClassifiedSql,
): DecidedStatement | undefined {
  const { maxStatementBytes, maxStatementsPerQuery } = limits
  let reason: string | undefined
  // Unparsed, its literals could not be masked: the record keeps its size, not its text.
  let recordText: string | undefined
  if (classified === undefined) {
    // UTF-8 takes at least one byte per UTF-16 unit and at most three: count bytes only when in doubt.
    const over =
      text.length > maxStatementBytes ||
      (text.length * 3 > maxStatementBytes && Buffer.byteLength(text) > maxStatementBytes)
    if (over) {
      reason = `the statement text is over ${maxStatementBytes} bytes, the most this gateway parses (resources[].clients.maxStatementBytes); load bulk data with COPY`
      recordText = `(a statement text of ${Buffer.byteLength(text)} bytes, not parsed)`
    }
  } else if (classified.statements > maxStatementsPerQuery) {
    reason = `the query string holds ${classified.statements} statements, more than the ${maxStatementsPerQuery} this gateway accepts in one (resources[].clients.maxStatementsPerQuery); send them in parts`
    recordText = describedBy(classified, text).recordText
  }
  if (reason === undefined) return undefined
  return {
    ...(recordText === undefined ? {} : { recordText }),
    kind: 'TooLarge',
    decision: { outcome: 'deny', code: 'TG_STATEMENT_TOO_LARGE', rule: 'limits', reason },
    error: { severity: 'ERROR', code: '54000', message: `taskgate: ${reason}` },
  }
}

/** A classifier bug or an unreachable store denies the statement. */
export function couldNotDecide(): DecidedStatement {
  return {
    kind: 'Unknown',
    decision: {
      outcome: 'deny',
      code: 'TG_STORE_UNAVAILABLE',
      rule: 'error',
      reason: 'the gateway could not decide',
    },
  }
}

/** Masks a free value (a literal, a parameter) as a text result column of no known origin: only what
 * detectors find, or whole under a rule naming every column. Undefined when that masks nothing. */
export function literalMasker(masking: MaskingContext | undefined): MaskLiteral | undefined {
  if (masking === undefined) return undefined
  const plan = masking.plan([{ name: '', typeHint: 'text' }])
  if (plan.passthrough) return undefined
  return (value) => {
    const masked = maskValue(plan, 0, value)
    // The counters are for result columns; a statement's literals are not counted.
    plan.counts.fill(0)
    return masked
  }
}

// A FunctionCall message, decided like the `SELECT schema.fn($1, ...)` it amounts to: the function's name
// comes from the target's catalog (function-names.ts), which a first call of an OID waits for.
import type { Action, Core, Decision, SessionHandle } from '../../core/index.ts'
import type { ClassifiedSql } from './classify.ts'
import type { DecidedStatement } from './client-frames.ts'
import { type FunctionName, type FunctionNames, functionCallSql } from './function-names.ts'

export interface FunctionCallDeps {
  core: Core
  handle: SessionHandle
  functions: FunctionNames | undefined
  /** Masking rules apply to the session: a FunctionCall result has no column to mask by. */
  masked: boolean
  classify(text: string): ClassifiedSql
  /** The answer for a decided statement (see StatementDecider). */
  decided(
    text: string,
    classified: ClassifiedSql,
    decision: Decision,
  ): DecidedStatement | Promise<DecidedStatement>
}

export function decideFunctionCall(
  deps: FunctionCallDeps,
  call: { oid: number; argumentCount: number },
): DecidedStatement | Promise<DecidedStatement> {
  const names = deps.functions
  if (names === undefined) throw new Error('no function catalog to resolve a FunctionCall')
  const known = names.cached(call.oid)
  if (known !== undefined) return decideCall(deps, known, call.argumentCount)
  return names.lookUp(call.oid).then((fn) => decideCall(deps, fn, call.argumentCount))
}

function decideCall(
  deps: FunctionCallDeps,
  fn: FunctionName | null,
  argumentCount: number,
): DecidedStatement | Promise<DecidedStatement> {
  const { core, handle } = deps
  if (fn === null || deps.masked) {
    // Core denies (and audits) what could not be classified.
    const refused: Action = {
      protocol: 'postgres',
      kind: 'FunctionCall',
      needs: [],
      traits: [],
      text: '(FunctionCall message)',
      unclassified:
        fn === null
          ? 'the FunctionCall names a function the target does not have'
          : 'masking rules apply to this session and a FunctionCall result cannot be masked; call the function from SQL',
    }
    return { kind: 'FunctionCall', decision: core.decide(handle, refused) }
  }
  const sql = functionCallSql(fn, argumentCount)
  const classified = deps.classify(sql)
  const policy = core.decide(handle, classified.action)
  // An approver would see `$1` where the call's argument values are (a FunctionCall carries them in binary,
  // unlike a Bind's that a held execution shows): rather than approve blind, the call is refused.
  const decision: Decision =
    policy.outcome === 'approve-first'
      ? {
          outcome: 'deny',
          code: 'TG_GUARDRAIL',
          rule: policy.rule,
          reason: `${policy.reason}; a FunctionCall cannot be held for approval: call the function from SQL`,
        }
      : policy
  const decided = deps.decided(sql, classified, decision)
  // Recorded as the FunctionCall it is, with the SQL it was decided as.
  const asCall = (d: DecidedStatement): DecidedStatement => ({
    ...d,
    kind: 'FunctionCall',
    recordText: d.recordText ?? sql,
  })
  return decided instanceof Promise ? decided.then(asCall) : asCall(decided)
}

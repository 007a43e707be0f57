import type { ScopeEntry } from '../grants/scope.ts'

/** One thing a client tries: a statement, command, request or tool call, as the protocol classified it. */
export interface Action {
  /** The resource kind's protocol family, e.g. `postgres`. */
  protocol: string
  /** Statement kind in the protocol's words, e.g. `SelectStmt`, `DropStmt`, `CopyStmt`. */
  kind: string
  /** Every permission the action needs, e.g. select:billing.invoices, delete:billing.invoices. */
  needs: ScopeEntry[]
  /** Entries naming the parts the action is made of, for guardrails' `needs` only (the grant must cover
   * `needs`, not these): each command of an SSH command line, and what its wrappers run, so a rule on
   * `exec:*:systemctl restart *` also holds `sudo systemctl restart web; ls`. */
  parts?: ScopeEntry[]
  /** Facts guardrails can match on (e.g. `unbounded-write`, `program-execution`, `role-change`). */
  traits: string[]
  /** Raw text as the client sent it (for regex guardrails and recording); never contains secrets we added. */
  text: string
  /** What is recorded, audited and shown to approvers instead of `text`, when the protocol must not keep
   * `text` as sent (a secret redacted, values a masking rule finds masked). Policy still reads `text`. */
  recordText?: string
  /** The protocol's estimate of the rows the action touches or returns (PostgreSQL: the planner's), when
   * known; only obtained when a guardrail with `rowsOver` could match (see wantsRowEstimate). */
  estimatedRows?: number
  /** Set when the protocol could not classify the action: policy fails closed on it. */
  unclassified?: string
  /** Columns the action computes on rather than only returning them as they are: filters, joins, sorts,
   * groups by, passes to a function or operator, or reads in a nested query. Masking rules forbid that for
   * the columns they mask, unless they say `allowPredicates` (checks/masked-columns.ts). */
  computesOn?: ComputedColumns
}

/** Column names (lower case, table unknown) an action computes on; `wholeRow` when it computes on a whole
 * row (`t::text`, `row_to_json(t)`), which holds every column of its table. */
export interface ComputedColumns {
  readonly columns: readonly string[]
  readonly wholeRow: boolean
  /** What the action reads that may carry any column, e.g. `view app.v` (a definition that could not be
   * traced) or `function app.f` (its body may read anything): the action may compute on a masked column
   * under another name through it (protocols/kit/view-lineage.ts). */
  readonly untracedSource?: string
  /** Columns in `columns` only because a view the action reads carries them (its definition reads them, a
   * renamed `ssn AS s` too): named in a denial, since the statement itself names the view's column. */
  readonly viaViews?: ReadonlyMap<string, string>
}

// A plan's SQL, split into its statements with PostgreSQL's own parser and each classified as a session's
// statement would be: what `grant request --from-plan` derives a scope from, and what a recorded statement is
// compared with (by fingerprint, which ignores literal values: `WHERE id = 1` and `WHERE id = 2` are the
// same planned statement).
import { fingerprintSync, parseSync } from 'libpg-query'
import { type PlannedStatement, TaskgateError } from '../../core/index.ts'
import type { Classifier } from './classify.ts'

export function planStatementsWith(classifier: Classifier): (text: string) => PlannedStatement[] {
  return (text) => {
    const bytes = Buffer.from(text)
    let stmts: Array<{ stmt_location?: number; stmt_len?: number }>
    try {
      stmts = parseSync(text).stmts ?? []
    } catch (error) {
      throw new TaskgateError('TG_REQUEST_INVALID', {
        message: `The plan does not parse as PostgreSQL: ${error instanceof Error ? error.message : String(error)}.`,
      })
    }
    return stmts.map((stmt) => {
      // Locations are byte offsets into the UTF-8 text; a length of 0 means "to the end".
      const from = stmt.stmt_location ?? 0
      const to = stmt.stmt_len ? from + stmt.stmt_len : bytes.length
      const sql = bytes.subarray(from, to).toString().trim()
      const action = classifier.classify(sql)
      const planned: PlannedStatement = {
        text: action.recordText ?? sql,
        needs: action.needs,
        shape: fingerprintSync(sql),
      }
      if (action.unclassified !== undefined) planned.unclassified = action.unclassified
      return planned
    })
  }
}

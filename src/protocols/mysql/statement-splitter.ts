// Splits a COM_QUERY text into its statements at the `;` the server's lexer would see (classify-lex.ts:
// never one inside a string, a quoted name or a comment), so each can be decided on its own: a client's
// multi-statement text under CLIENT_MULTI_STATEMENTS (Workbench applying an edit) runs statement by
// statement, each against policy (query-plan.ts). A compound statement (BEGIN … END in a routine body)
// splits into fragments; query-plan.ts refuses those: fail closed.
import { type LexOptions, lexMysql } from './classify-lex.ts'

/** The statements of `sql` as the client wrote them (comments included), without empty ones; or why the
 * text cannot be split. */
export function splitStatements(
  sql: string,
  options: LexOptions = {},
): { statements: string[] } | { error: string } {
  const lexed = lexMysql(sql, options)
  if (lexed.error !== undefined) return { error: lexed.error }
  const statements: string[] = []
  let from = 0
  for (const at of [...lexed.semicolons, sql.length]) {
    const text = sql.slice(from, at)
    // A piece with no code (only spaces or comments) is no statement: `SELECT 1;` ends with one.
    if (lexMysql(text, options).code !== '') statements.push(text)
    from = at + 1
  }
  return { statements }
}

// What is recorded (and shown to approvers) for a statement that carries a secret (`contains-secret`:
// IDENTIFIED BY '…', PASSWORD('…'), SET PASSWORD): the statement with every string literal replaced by
// '***' (and numbers by ?), read by the classifier's own lexer so quoting and escapes are seen as the server sees them.
import { type LexOptions, lexMysql } from './classify-lex.ts'

/** The lexer's marks in its key (classify-lex.ts): a string literal, and numbers (decimal, hex, bit). */
const STRING_MARK = '\u0001s'
const NUMBER_MARKS = ['\u0001n', '\u00010x', '\u00010b']

export function redactStringLiterals(sql: string, options: LexOptions): string {
  const lexed = lexMysql(sql, options)
  if (lexed.error !== undefined) return '(a statement holding a secret; not recorded)'
  let text = lexed.key.replaceAll(STRING_MARK, "'***'")
  for (const mark of NUMBER_MARKS) text = text.replaceAll(mark, '?')
  return text.trim()
}

// ERR packets may echo values: `Duplicate entry 'jane@example.com' for key 'email'` (1062),
// `Incorrect integer value: 'abc' for column 'id' at row 1` (1366), `Truncated incorrect DOUBLE value: '…'`
// (1292). The message passes the content detectors in force; and in integrity violations and data errors
// (SQLSTATE classes 23 and 22, and the value errors MariaDB files under HY000), every quoted value is masked
// whatever it is, since a value a rule masks by column cannot be recognised by its content. The names an
// error quotes after `column`, `key`, `table`, `constraint`, `for` … stay readable, so the client still
// knows what failed; the error number and SQLSTATE never change
// (mariadb.com/kb/en/mariadb-error-code-reference/).
import { type MaskingContext, type MaskingPlan, maskValue } from '../../core/index.ts'
import type { ErrPacket } from './wire/generic-responses.ts'

const MASKED = '****'
/** Data errors and integrity violations: the classes whose messages quote the value at fault. */
const ECHO_CLASSES = ['22', '23']
/** Value errors MariaDB reports with SQLSTATE HY000. */
const ECHO_ERRORS = new Set([
  1292, // ER_TRUNCATED_WRONG_VALUE
  1366, // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
  1367, // ER_ILLEGAL_VALUE_FOR_TYPE
  1411, // ER_WRONG_VALUE_FOR_TYPE
  1525, // ER_WRONG_VALUE
  1586, // ER_DUP_ENTRY_WITH_KEY_NAME
])
/** A quoted string (backslash escapes and doubled quotes inside), and the word before it. */
const QUOTED = /(\w+\s*)?'((?:[^'\\]|\\.|'')*)'/g
/** Words after which a quoted string is a name, not a value. */
const NAME_WORDS = new Set([
  'column',
  'key',
  'table',
  'constraint',
  'database',
  'index',
  'function',
  'procedure',
  'user',
])
/** Server messages are at most a few hundred bytes (MYSQL_ERRMSG_SIZE is 512); longer text is withheld. */
const MAX_MESSAGE_CHARS = 4096

export class ErrorMasker {
  readonly #plan: MaskingPlan

  constructor(masking: MaskingContext) {
    // One unnamed text column: detector rules apply to it; rules naming columns do not.
    this.#plan = masking.plan([{ name: '', typeHint: 'text' }])
  }

  /** The ERR with its message masked, or undefined when nothing changed. `quotesMasked`: the failing
   * statement references a column a rule masks, so whatever the error quotes may be that column's value. */
  mask(err: ErrPacket, quotesMasked = false): ErrPacket | undefined {
    if (err.message.length > MAX_MESSAGE_CHARS) return { ...err, message: '(message withheld by taskgate)' }
    let message = maskValue(this.#plan, 0, err.message) ?? MASKED
    const echoes = ECHO_CLASSES.includes(err.sqlState.slice(0, 2)) || ECHO_ERRORS.has(err.errorCode)
    if (echoes || quotesMasked) message = maskQuotedValues(message)
    return message === err.message ? undefined : { ...err, message }
  }
}

/** Every quoted value masked; quoted names (after `column`, `key`, …) kept. */
export function maskQuotedValues(message: string): string {
  return message.replace(QUOTED, (whole, before: string | undefined) => {
    const word = before?.trim().toLowerCase()
    if (word !== undefined && NAME_WORDS.has(word)) return whole
    return `${before ?? ''}'${MASKED}'`
  })
}

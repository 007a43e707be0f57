// A COM_QUERY text as the statements the server will run, each an Action of its own (Workbench applies an
// edit as several statements in one COM_QUERY under CLIENT_MULTI_STATEMENTS). The text is split where the
// server's lexer ends a statement (statement-splitter.ts); each piece is classified with the session state
// the server will have when it reaches that piece: the current database after an earlier `USE` in the same
// text (the server stops at the first failing statement, so a later piece never runs under a `USE` that
// failed). What the gateway cannot follow from the text alone is refused, so no piece is decided under a
// state the server does not share:
// - a piece that changes how the server reads what follows it (sql_mode: ANSI_QUOTES,
//   NO_BACKSLASH_ESCAPES; the character set) anywhere but last;
// - a piece that may answer with several results (CALL, EXECUTE) anywhere but last, since results are
//   matched to pieces in order for their records;
// - a compound statement (BEGIN … END, IF, LOOP, WHILE, REPEAT, CASE, a routine, trigger or event body):
//   the server reads its inner `;` as part of it, the splitter would not (DELIMITER is the client's own).
// A refusal is an `unclassified` Action: policy denies it with the reason, and the whole packet with it.
import type { Action } from '../../core/index.ts'
import type { MysqlClassifier } from './classify.ts'
import { type LexOptions, lexMysql, type Token } from './classify-lex.ts'
import { redactStringLiterals } from './redact-literals.ts'
import { splitStatements } from './statement-splitter.ts'

export interface PlannedStatement {
  action: Action
  /** The allow-cache key: the text and every session state that changes what it means. */
  cacheKey: string
  /** USE db: the database the session has once this statement succeeds. */
  usesDatabase?: string
  /** The statement may change sql_mode: the session reads it back before the next command. */
  changesSqlMode: boolean
}

export interface QueryPlanOptions {
  classifier: MysqlClassifier
  lex: LexOptions
  database: string | undefined
  /** CLIENT_MULTI_STATEMENTS is in force: several statements may run, each decided. */
  multiStatements: boolean
  /** Most statements one text may hold (clients.maxStatementsPerQuery). */
  maxStatements: number
  /** A prefix of the cache key: the command and the lexing modes. */
  keyPrefix: string
}

/** The statements of `text`, in order; a text that cannot be planned is one unclassified statement; a
 * text of more than `maxStatements` is not classified at all. */
export function planQuery(text: string, o: QueryPlanOptions): PlannedStatement[] | { tooMany: number } {
  const split = splitStatements(text, o.lex)
  if ('error' in split || split.statements.length <= 1) {
    const whole = plan(text, o, o.database)
    if ('error' in split) whole.action.unclassified ??= split.error
    return [whole]
  }
  const { statements } = split
  if (statements.length > o.maxStatements) return { tooMany: statements.length }
  if (!o.multiStatements) {
    const whole = plan(text, o, o.database)
    whole.action.unclassified = `${statements.length} statements in one command: send them one at a time (or connect with CLIENT_MULTI_STATEMENTS)`
    return [whole]
  }
  const planned: PlannedStatement[] = []
  let database = o.database
  for (const [i, piece] of statements.entries()) {
    const statement = plan(piece.trim(), o, database)
    const refusal = refusalInMulti(piece, o.lex, statement, i === statements.length - 1)
    const parsed = statement.action.unclassified
    if (refusal !== undefined)
      statement.action.unclassified = parsed === undefined ? refusal : `${refusal}; ${parsed}`
    planned.push(statement)
    database = statement.usesDatabase ?? database
  }
  return planned
}

function plan(text: string, o: QueryPlanOptions, database: string | undefined): PlannedStatement {
  const classified = o.classifier.classify(text, { ...o.lex, database })
  const { action } = classified
  if (action.traits.includes('contains-secret')) action.recordText = redactStringLiterals(text, o.lex)
  return {
    action,
    cacheKey: `${o.keyPrefix}\0${database ?? ''}\0${text}`,
    ...(classified.usesDatabase !== undefined ? { usesDatabase: classified.usesDatabase } : {}),
    changesSqlMode: action.traits.includes('sql-mode-change'),
  }
}

/** Statement starts that open (or continue) a compound statement. */
const COMPOUND_STARTS = new Set([
  'IF',
  'CASE',
  'LOOP',
  'REPEAT',
  'WHILE',
  'DECLARE',
  'END',
  'ELSE',
  'ELSEIF',
  'WHEN',
  'LEAVE',
  'ITERATE',
  'RETURN',
  'UNTIL',
  'FOR',
])
/** What CREATE makes whose body may be a compound statement. */
const BODIES = new Set(['PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT', 'PACKAGE'])
/** Variables that change how the server decodes or lexes the rest of the text. */
const READING_VARIABLES =
  /^(?:@@(?:SESSION\.|LOCAL\.)?)?(?:CHARACTER_SET_CLIENT|CHARACTER_SET_CONNECTION|COLLATION_CONNECTION)$/

/** Why a piece of a multi-statement text may not run in it, or undefined. */
function refusalInMulti(
  piece: string,
  lex: LexOptions,
  statement: PlannedStatement,
  last: boolean,
): string | undefined {
  const tokens = lexMysql(piece, lex).tokens
  const words = tokens.map((t: Token) => ('word' in t ? t.word : ''))
  // A label (`name:`) may precede a compound statement.
  const labelled =
    words[0] !== '' && tokens[1] !== undefined && 'punct' in tokens[1] && tokens[1].punct === ':'
  const first = words[labelled ? 2 : 0] ?? ''
  const opensBlock =
    labelled ||
    COMPOUND_STARTS.has(first) ||
    (first === 'BEGIN' && !(words.length === 1 || (words.length === 2 && words[1] === 'WORK'))) ||
    words.slice(1).includes('BEGIN') ||
    (first === 'CREATE' && words.some((w) => BODIES.has(w)))
  if (opensBlock)
    return 'a compound statement or a stored program in a multi-statement command: send it on its own'
  if (last) return undefined
  const setsReading =
    first === 'SET' &&
    words.some((w) => w === 'NAMES' || w === 'CHARSET' || w === 'CHARACTER' || READING_VARIABLES.test(w))
  if (statement.changesSqlMode || setsReading)
    return 'a statement that changes how the server reads the next ones (sql_mode, character set) must be the last of a multi-statement command'
  if (first === 'CALL' || first === 'EXECUTE')
    return 'CALL and EXECUTE may answer with several results: in a multi-statement command only as the last statement'
  return undefined
}

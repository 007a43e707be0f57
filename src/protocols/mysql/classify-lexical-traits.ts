// Guardrail traits read from the token stream rather than the parse tree, for two reasons: the statements
// these guardrails exist for (LOAD DATA, SELECT … INTO OUTFILE, HANDLER, PREPARE … FROM, INSTALL PLUGIN,
// GRANT … TO 'u'@'h', CREATE USER 'u'@'h') are exactly the ones sqlparser-rs cannot parse, and a denial
// should still name the guardrail rather than only "does not parse"; and a keyword sequence cannot hide
// from a token scan the way a node can from a tree walk the grammar grows past.
import type { Token } from './classify-lex.ts'

const word = (t: Token | undefined): string | undefined =>
  t !== undefined && 'word' in t ? t.word : undefined
const punct = (t: Token | undefined): string | undefined =>
  t !== undefined && 'punct' in t ? t.punct : undefined

/** Words that start a statement and what they mean, checked at every statement start (after `;`). */
const STATEMENT_STARTS: Record<string, (tokens: Token[], at: number) => string[]> = {
  LOAD: (t, at) => (['DATA', 'XML'].includes(word(t[at + 1]) ?? '') ? ['server-file', 'writes'] : []),
  HANDLER: () => ['handler'],
  PREPARE: (t, at) => (word(t[at + 2]) === 'FROM' ? ['dynamic-sql'] : []),
  EXECUTE: (t, at) => (word(t[at + 1]) === 'IMMEDIATE' ? ['dynamic-sql'] : []),
  INSTALL: () => ['system-change'],
  UNINSTALL: () => ['system-change'],
  SHUTDOWN: () => ['system-change'],
  RESTART: () => ['system-change'],
  GRANT: () => ['privilege-change'],
  REVOKE: () => ['privilege-change'],
  CREATE: (t, at) => userStatement(t, at),
  ALTER: (t, at) => userStatement(t, at),
  DROP: (t, at) => userStatement(t, at),
  RENAME: (t, at) => userStatement(t, at),
  // Their rows carry the account's stored password (credential-rows.ts redacts it).
  SHOW: (t, at) =>
    word(t[at + 1]) === 'GRANTS' || (word(t[at + 1]) === 'CREATE' && word(t[at + 2]) === 'USER')
      ? ['shows-credentials']
      : [],
}

function userStatement(tokens: Token[], at: number): string[] {
  let i = at + 1
  if (word(tokens[i]) === 'OR' && word(tokens[i + 1]) === 'REPLACE') i += 2
  return ['USER', 'ROLE'].includes(word(tokens[i]) ?? '') ? ['role-change', 'privilege-change'] : []
}

/** Traits the token stream shows, for the whole text (every statement in it). */
export function lexicalTraits(tokens: Token[]): Set<string> {
  const traits = new Set<string>()
  let statementStart = true
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (punct(t) === ';') {
      statementStart = true
      continue
    }
    const w = word(t)
    if (statementStart && w !== undefined) {
      for (const trait of STATEMENT_STARTS[w]?.(tokens, i) ?? []) traits.add(trait)
      if (w === 'SET') setTraits(tokens, i, traits)
    }
    statementStart = false
    if (w === undefined) continue
    const next = word(tokens[i + 1])
    if (w === 'INTO' && (next === 'OUTFILE' || next === 'DUMPFILE')) traits.add('server-file')
    if (w === 'LOAD_FILE' && punct(tokens[i + 1]) === '(') traits.add('server-file')
    if (w === 'LOCAL' && next === 'INFILE') traits.add('client-file')
    if (w === 'IDENTIFIED' || carriesSecret(w, tokens[i + 1])) traits.add('contains-secret')
  }
  return traits
}

/** A word naming a secret (`MASTER_PASSWORD=`, `SOURCE_PASSWORD=`, `OPTIONS (PASSWORD '…')`, `START SLAVE …
 * PASSWORD=`, `PASSWORD(…)`, `ED25519_PASSWORD(…)`, a `password = '…'` comparison) or a key
 * (`AES_ENCRYPT(x, 'key')`), or a FEDERATED/CONNECT `CONNECTION='mysql://user:password@…'`, followed by the
 * value: the statement's literals are redacted wherever it is recorded, allowed or denied (most of these
 * are denied as unparsed, and a denial is recorded too). */
const SECRET_WORD =
  /PASSWORD|PASSWD|SECRET|^CONNECTION$|^(?:AES|DES)_(?:EN|DE)CRYPT$|^ENCRYPT$|^ENCODE$|^DECODE$/

function carriesSecret(w: string, next: Token | undefined): boolean {
  if (!SECRET_WORD.test(w) || next === undefined) return false
  const p = punct(next)
  return p === '=' || p === '(' || ('literal' in next && next.literal === 'string')
}

/** SET GLOBAL / PERSIST, SET PASSWORD / ROLE, and sql_mode (which changes how later texts lex). */
function setTraits(tokens: Token[], at: number, traits: Set<string>): void {
  const first = word(tokens[at + 1])
  if (first === 'PASSWORD') traits.add('role-change').add('contains-secret')
  if (first === 'ROLE' || (first === 'DEFAULT' && word(tokens[at + 2]) === 'ROLE')) traits.add('role-change')
  for (let i = at + 1; i < tokens.length && punct(tokens[i]) !== ';'; i++) {
    const w = word(tokens[i])
    if (w === 'GLOBAL' || w === 'PERSIST' || w === 'PERSIST_ONLY') traits.add('system-change')
    // A quoted identifier is a word too (`sql_mode`, lexed as "`sql_mode"): the server reads the same name.
    if (w?.startsWith('`') && w.slice(1).toUpperCase() === 'SQL_MODE') traits.add('sql-mode-change')
    // Only assigned here: reading @@global.x in a SELECT changes nothing.
    if (w?.startsWith('@@GLOBAL') || w?.startsWith('@@PERSIST')) traits.add('system-change')
    if (w === 'SQL_MODE' || w === '@@SQL_MODE' || w?.endsWith('.SQL_MODE')) traits.add('sql-mode-change')
  }
}

// Statements the classifier marks `contains-secret` (CREATE/ALTER ROLE ... PASSWORD '...', and the like) are
// recorded, audited and shown to approvers with every string literal replaced, so the secret never reaches
// a recording, the audit log or a notification.
// E'' strings take backslash escapes; standard_conforming_strings is forced on, so plain '' strings do not.
const LITERAL = /[eE]'(?:[^'\\]|\\[\s\S]|'')*'|'(?:[^']|'')*'|\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g

export function redactLiterals(sql: string): string {
  return sql.replace(LITERAL, "'***'")
}

/** The text to record for a statement: itself, or with literals redacted when it carries a secret. */
export function recordableText(sql: string, traits: readonly string[]): string {
  return traits.includes('contains-secret') ? redactLiterals(sql) : sql
}

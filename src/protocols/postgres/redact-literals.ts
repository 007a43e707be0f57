// The text of a statement as it is recorded, audited and shown to approvers, which is not always what the
// client sent (that still goes upstream unchanged):
// - statements the classifier marks `contains-secret` (CREATE/ALTER ROLE ... PASSWORD '...', and the like)
//   have every string literal replaced, so the secret never reaches a recording, the audit log or a
//   notification;
// - under masking rules, what the detectors find in string literals, comments and long digit runs is masked
//   in place, as it would be in a result, so `INSERT ... VALUES ('ann@example.com')` is not recorded in clear.
// E'' strings take backslash escapes; standard_conforming_strings is forced on, so plain '' strings do not.
// An unterminated literal runs to the end of the text: every alternative then matches wherever it starts,
// so a text of many unclosed `$tag$`s (in a comment, say) is one linear pass, not a scan to the end from
// each of them (issue #10: 170 KB took 2 s).
const LITERAL =
  /[eE]'(?:[^'\\]|\\[\s\S]|'')*(?:'|$)|'(?:[^']|'')*(?:'|$)|\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?(?:\$\1\$|$)/g

export function redactLiterals(sql: string): string {
  return sql.replace(LITERAL, "'***'")
}

export const REDACTED = '****'

/** Masks one value as a text result column would be masked: the same string when nothing is found, or
 * null for the `null` style. */
export type MaskLiteral = (value: string) => string | null

// The lexer for masking, in one pass: quoted identifiers are skipped (a quote inside one must not start a
// literal), comments and literals are scanned. An unterminated literal or comment runs to the end of the
// text (PostgreSQL rejects the statement, but it is still recorded). Groups: 1 quoted identifier, 2 line
// comment, 3 block comment, 4 E'' body, 5 '' body, 6 dollar tag, 7 dollar body, 8 digit run.
const TOKEN =
  /("(?:[^"]|"")*"?)|--([^\n]*)|\/\*([\s\S]*?)(?:\*\/|$)|[eE]'((?:[^'\\]|\\[\s\S]|'')*)(?:'|$)|'((?:[^']|'')*)(?:'|$)|\$([A-Za-z_][A-Za-z0-9_]*)?\$([\s\S]*?)(?:\$\6\$|$)|(?<![\w$])(\d{9,})(?![\w.])/g

/**
 * `sql` with what `mask` finds in its string literals, comments and long digit runs masked in place; the same
 * string when nothing is found. A masked literal is written back as a '' literal; a masked comment or digit
 * run keeps its place.
 */
export function maskLiterals(sql: string, mask: MaskLiteral): string {
  return sql.replace(TOKEN, (token, identifier, line, block, escaped, plain, tag, dollar, digits) => {
    if (identifier !== undefined) return token
    if (line !== undefined) return `--${mask(line) ?? REDACTED}`
    if (block !== undefined) {
      const masked = mask(block) ?? REDACTED
      return masked === block ? token : `/*${masked}*/`
    }
    if (digits !== undefined) return mask(digits) ?? REDACTED
    // E'' bodies are scanned as written: a detector's find does not span a backslash escape in practice,
    // and the recorded text only has to read right, not to run.
    const body: string = escaped ?? (plain !== undefined ? plain.replaceAll("''", "'") : dollar)
    const masked = mask(body)
    if (masked === body) return token
    // The `null` style: a NULL would misstate what the client sent, so the literal reads as redacted.
    if (masked === null) return quote(REDACTED)
    if (escaped !== undefined) return `E'${masked}'`
    if (plain !== undefined) return quote(masked)
    return `$${tag ?? ''}$${masked}$${tag ?? ''}$`
  })
}

/** The text to record for a statement: itself, with literals redacted when it carries a secret, or with
 * what `mask` finds masked when masking rules are in force. */
export function recordableText(sql: string, traits: readonly string[], mask?: MaskLiteral): string {
  if (traits.includes('contains-secret')) return redactLiterals(sql)
  return mask === undefined ? sql : maskLiterals(sql, mask)
}

function quote(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

// A small SQL tokenizer for highlighting only (never for decisions: the gateway parses with the real
// PostgreSQL grammar). Every character of the input lands in exactly one token, so joining the token
// texts gives the statement back unchanged.
export type SqlTokenKind =
  | 'keyword'
  | 'string'
  | 'identifier'
  | 'number'
  | 'comment'
  | 'parameter'
  | 'operator'
  | 'text'

export interface SqlToken {
  kind: SqlTokenKind
  text: string
}

const KEYWORDS = new Set(
  `select from where and or not insert into values update set delete returning join left right inner outer full
  cross on using group by order having limit offset as distinct union all except intersect create alter drop
  table view index schema database role grant revoke begin commit rollback savepoint release truncate copy with
  case when then else end is null true false in exists between like ilike asc desc primary key foreign references
  default constraint unique check cascade restrict if explain analyze vacuum do language function returns replace
  lateral over partition window filter prepare execute deallocate show reset to for no of only`
    .split(/\s+/)
    .filter(Boolean),
)

const PATTERNS: Array<[SqlTokenKind, RegExp]> = [
  ['comment', /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/y],
  ['string', /(?:[eE])?'(?:[^']|'')*(?:'|$)|\$([A-Za-z_]\w*)?\$[\s\S]*?(?:\$\1\$|$)/y],
  ['identifier', /"(?:[^"]|"")*(?:"|$)/y],
  ['parameter', /\$\d+/y],
  ['number', /\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b/y],
  ['text', /[A-Za-z_][\w$]*/y],
  ['operator', /[<>=!~|&+\-*/%^:@#]+|[(),;.[\]]/y],
  ['text', /\s+|./y],
]

export function tokenizeSql(sql: string): SqlToken[] {
  const tokens: SqlToken[] = []
  let at = 0
  while (at < sql.length) {
    for (const [kind, pattern] of PATTERNS) {
      pattern.lastIndex = at
      const match = pattern.exec(sql)
      if (!match || match[0].length === 0) continue
      const text = match[0]
      const wordKind = kind === 'text' && KEYWORDS.has(text.toLowerCase()) ? 'keyword' : kind
      const last = tokens[tokens.length - 1]
      if (last && last.kind === wordKind && wordKind === 'text') last.text += text
      else tokens.push({ kind: wordKind, text })
      at += text.length
      break
    }
  }
  return tokens
}

// Which statements carry a secret, so that their text is recorded, audited and shown to approvers with every
// literal redacted (redact-literals.ts), allowed or denied. Found in the parse tree, whatever the statement
// kind (most of these kinds are unclassified, hence denied, but a denial is recorded too):
// - an option named like a secret: PASSWORD of CREATE/ALTER ROLE, `password` of CREATE/ALTER USER MAPPING,
//   CREATE/ALTER SERVER, IMPORT FOREIGN SCHEMA, CREATE FOREIGN TABLE OPTIONS (...), and the like;
// - a connection string: CREATE/ALTER SUBSCRIPTION ... CONNECTION '...', any dblink* call;
// and, by the text itself (a literal's value is not part of the cached parse): a literal that reads like a
// libpq connection string with a password or a URI with credentials.
import { asNode, unwrap } from './classify-walk.ts'

/** Option names that hold (or point at) a credential: password, passfile, sslpassword, sslkey, token, ... */
const SECRET_OPTION = /pass|secret|token|key|credential|conninfo|connstr|dsn|auth|cert/i

const CONNECTION_STATEMENTS = new Set(['CreateSubscriptionStmt', 'AlterSubscriptionStmt'])

/** Whether a parse tree holds a secret-named option, a connection string or a dblink call. Iterative, so a
 * deep tree cannot exhaust the stack. */
export function treeCarriesSecret(tree: unknown): boolean {
  const stack: unknown[] = [tree]
  while (stack.length > 0) {
    const value = stack.pop()
    if (Array.isArray(value)) {
      for (const item of value) stack.push(item)
      continue
    }
    const node = asNode(value)
    if (!node) continue
    const wrapped = unwrap(node)
    if (wrapped) {
      const [kind, body] = wrapped
      if (kind === 'DefElem' && typeof body.defname === 'string' && SECRET_OPTION.test(body.defname))
        return true
      if (CONNECTION_STATEMENTS.has(kind)) return true
      if (kind === 'FuncCall' && isDblink(body.funcname)) return true
    }
    for (const key in node) {
      const field = node[key]
      if (typeof field === 'object' && field !== null) stack.push(field)
    }
  }
  return false
}

function isDblink(funcname: unknown): boolean {
  if (!Array.isArray(funcname)) return false
  const last = unwrap(funcname[funcname.length - 1])
  const name = last?.[0] === 'String' ? last[1].sval : undefined
  return typeof name === 'string' && name.toLowerCase().startsWith('dblink')
}

// `password=` as libpq reads a keyword/value string; `scheme://user:password@` in a URI. Quantifiers are
// bounded, so a long run without the closing `@` costs linear time.
const CONNECTION_STRING = /password\s*=|:\/\/[^\s/@'"]{0,256}:[^\s/@'"]{0,256}@/i

/** Whether the text holds a literal that reads like a connection string with a password. */
export function textCarriesSecret(sql: string): boolean {
  return CONNECTION_STRING.test(sql)
}

// A text the parser rejects has no tree: one that names a secret-bearing construct has its literals redacted
// all the same (a mistyped CREATE USER MAPPING still holds the password).
const SECRET_WORDS = /pass|secret|token|credential|conninfo|connection|dblink|mapping|subscription|server/i

export function unparsedCarriesSecret(sql: string): boolean {
  return SECRET_WORDS.test(sql)
}

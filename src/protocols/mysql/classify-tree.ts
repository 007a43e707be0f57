// Reading sqlparser-rs trees (serde JSON of Rust enums: `{ Variant: body }`, or a bare string for a unit
// variant), and the accumulator the statement handlers fill.

export type Node = Record<string, unknown>

export const asNode = (v: unknown): Node | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** `{ Variant: body }` -> [Variant, body]; a unit variant (a string) -> [name, {}]. */
export function variant(v: unknown): [string, Node] | undefined {
  if (typeof v === 'string') return [v, {}]
  const node = asNode(v)
  if (!node) return undefined
  const keys = Object.keys(node)
  if (keys.length !== 1) return undefined
  return [keys[0]!, asNode(node[keys[0]!]) ?? {}]
}

/** The parts of an ObjectName (`[{Identifier: {value}}]`) or a list of Idents (`[{value}]`). */
export function nameParts(v: unknown): string[] | undefined {
  const parts: string[] = []
  for (const part of asList(v)) {
    const node = asNode(part)
    const ident = asNode(node?.Identifier) ?? node
    const value = asString(ident?.value)
    if (value === undefined) return undefined
    parts.push(value)
  }
  return parts.length > 0 ? parts : undefined
}

/** One permission a statement needs before its database is known: `schema` undefined means the session's
 * current database (resolved when the Action is built, so one cached template serves every database). */
export interface PendingNeed {
  verb: string
  schema: string | undefined
  name: string
}

export interface Acc {
  needs: Map<string, PendingNeed>
  traits: Set<string>
  unclassified: string | undefined
  /** USE db: the database the session switches to once the server confirms. */
  usesDatabase: string | undefined
  /** A decision read a literal's value (a character set name): texts differing only in literals may not
   * share this template (classify.ts). */
  readsLiteral?: boolean
}

export const newAcc = (): Acc => ({
  needs: new Map(),
  traits: new Set(),
  unclassified: undefined,
  usesDatabase: undefined,
})

export function fail(acc: Acc, reason: string): void {
  acc.unclassified ??= reason
}

/** Needs `verb` on a `db.name` / `name` object; names with more parts are refused (MySQL has two levels). */
export function need(acc: Acc, verb: string, parts: string[] | undefined): void {
  if (parts === undefined || parts.length > 2) {
    fail(acc, `an object name of unexpected shape in a ${verb} statement`)
    return
  }
  // Scope objects are lower case (scope.ts); MySQL table names are case-sensitive on Linux, so `T` and `t`
  // are both covered by a grant on `t`: the grant names the table the person asked for, in any case.
  const schema = parts.length === 2 ? parts[0]!.toLowerCase() : undefined
  const name = parts[parts.length - 1]!.toLowerCase()
  acc.needs.set(`${verb}:${schema ?? ''}.${name}`, { verb, schema, name })
}

/** Needs `verb` on a whole database: `db.*`. */
export function needDatabase(acc: Acc, verb: string, database: string): void {
  const schema = database.toLowerCase()
  acc.needs.set(`${verb}:${schema}.*`, { verb, schema, name: '*' })
}

/** Needs `verb` on something that is not a table (`set:sql_mode`, `transaction:*`). */
export function needGlobal(acc: Acc, verb: string, object: string): void {
  acc.needs.set(`${verb}:${object}`, { verb, schema: '', name: object })
}

/** The tree without source positions, to compare two expressions by shape. */
export function shapeOf(v: unknown): string {
  return JSON.stringify(v, (key, value) => (key === 'span' ? undefined : value))
}

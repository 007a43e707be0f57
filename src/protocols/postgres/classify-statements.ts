// Statement kinds the classifier understands, each with what it needs and which traits it carries. This is
// a whitelist: any other statement kind, wherever it appears, makes the Action unclassified (fail closed).
import { mayMatchEveryRow } from './classify-bounds.ts'
import { DEFAULT_SCHEMA, objectsFor, objectsForNames, schemaObject } from './classify-names.ts'
import {
  type Acc,
  asList,
  asNode,
  asString,
  constantString,
  fail,
  funcCall,
  type Node,
  names,
  need,
  newAcc,
  type Projecting,
  relation,
  settingTraits,
  unwrap,
  walk,
  walkFields,
  walkProjecting,
  withVerb,
} from './classify-walk.ts'
import { PG_CATALOG_RELATIONS_EVERYWHERE } from './implicit-catalog.ts'

type Handler = (body: Node, acc: Acc) => void

const RELATION = new Set(['relation'])

/** Objects of the `relation` RangeVar of a statement (the DML/DDL target): never a CTE. */
function target(body: Node, acc: Acc, verb: string): Node {
  const rv = asNode(body.relation) ?? {}
  relation(rv, verb, acc)
  return rv
}

const dml =
  (verb: string): Handler =>
  (body, acc) => {
    const rv = asNode(body.relation) ?? {}
    target(body, acc, verb)
    // PostgreSQL itself requires SELECT on the target for the columns WHERE and RETURNING read.
    if (body.whereClause !== undefined || body.returningClause !== undefined) relation(rv, 'select', acc)
    if (verb !== 'insert' && mayMatchEveryRow(body.whereClause)) acc.traits.add('unbounded-write')
    acc.traits.add('writes')
    withVerb(acc, 'select', () => walkFields(body, acc, RELATION))
  }

const insert: Handler = (body, acc) => {
  dml('insert')(body, acc)
  if (asNode(body.onConflictClause)?.action === 'ONCONFLICT_UPDATE') {
    target(body, acc, 'update')
    target(body, acc, 'select')
  }
}

const MERGE_VERBS: Record<string, string> = {
  CMD_UPDATE: 'update',
  CMD_DELETE: 'delete',
  CMD_INSERT: 'insert',
}

const merge: Handler = (body, acc) => {
  let changesMatched = false
  for (const clause of asList(body.mergeWhenClauses)) {
    const when = unwrap(clause)?.[1] ?? {}
    const verb = MERGE_VERBS[asString(when.commandType) ?? '']
    if (verb) target(body, acc, verb)
    if (verb && verb !== 'insert' && mayMatchEveryRow(when.condition)) changesMatched = true
  }
  target(body, acc, 'select')
  if (changesMatched && mayMatchEveryRow(body.joinCondition)) acc.traits.add('unbounded-write')
  acc.traits.add('writes')
  withVerb(acc, 'select', () => walkFields(body, acc, RELATION))
}

const COPY_WALKED = new Set(['relation', 'query'])

const select: Handler = (body, acc) => withVerb(acc, 'select', () => walkFields(body, acc))

const copy: Handler = (body, acc) => {
  const from = body.is_from === true
  if (body.relation !== undefined) target(body, acc, from ? 'insert' : 'select')
  acc.traits.add(from ? 'copy-in' : 'copy-out')
  if (from) acc.traits.add('writes')
  if (body.is_program === true) acc.traits.add('program-execution')
  else if (body.filename !== undefined) acc.traits.add('server-file')
  // The parse tree omits empty strings, so `FROM STDIN` and `FROM ''` look alike: cache COPY by exact text.
  acc.literalSensitive = true
  withVerb(acc, 'select', () => {
    if (body.query !== undefined) walkProjecting(body.query, acc, 'result')
    walkFields(body, acc, COPY_WALKED)
  })
}

// Transaction control is implied for every session, but turning read-only off needs `transaction:read-write`,
// which implicit-scope.ts implies only for grants that may write: a read-only grant's session stays read-only.
const READ_ONLY_SETTINGS = new Set(['transaction_read_only', 'default_transaction_read_only'])
const TRUE_VALUES = ['on', 'true', 'yes', '1', 't', 'y']

/** BEGIN / START TRANSACTION / SET TRANSACTION / SET SESSION CHARACTERISTICS options (DefElem list). */
function transactionModes(options: unknown, acc: Acc): void {
  need(acc, 'transaction', ['*'])
  for (const option of asList(options)) {
    const def = unwrap(option)?.[1]
    if (def?.defname === 'transaction_read_only' && constantString(def.arg) !== '1')
      need(acc, 'transaction', ['read-write'])
  }
}

/** SET [LOCAL] [default_]transaction_read_only: anything but a clear "on" may turn read-only off. RESET and
 * DEFAULT go back to the session's start value, which back.ts sets for a read-only grant. */
function readOnlySetting(body: Node, acc: Acc): void {
  acc.literalSensitive = true
  need(acc, 'transaction', ['*'])
  if (body.kind !== 'VAR_SET_VALUE') return
  const args = asList(body.args)
  const value = (constantString(args[0]) ?? '').toLowerCase()
  if (args.length !== 1 || !TRUE_VALUES.includes(value)) need(acc, 'transaction', ['read-write'])
}

const variableSet: Handler = (body, acc) => {
  const name = asString(body.name)?.toLowerCase()
  if (body.kind === 'VAR_RESET_ALL' || name === undefined) {
    need(acc, 'set', ['all'])
    return
  }
  if (name === 'transaction' || name === 'session characteristics') {
    transactionModes(body.args, acc)
    return
  }
  if (READ_ONLY_SETTINGS.has(name)) {
    readOnlySetting(body, acc)
    return
  }
  if (name === 'search_path' && keepsPinnedSearchPath(body)) {
    acc.literalSensitive = true
    return
  }
  need(acc, 'set', [name])
  settingTraits(name, acc)
  if (body.kind === 'VAR_SET_VALUE') checkLexerSetting(name, asList(body.args), acc)
}

/** Every upstream session starts with search_path pinned to the schema the classifier resolves unqualified
 * names in (back.ts): setting it to exactly that, to DEFAULT or RESETting it (back to the session's start)
 * changes nothing, so it needs no scope. Any other path needs `set:search_path`. */
function keepsPinnedSearchPath(body: Node): boolean {
  if (body.kind === 'VAR_RESET' || body.kind === 'VAR_SET_DEFAULT') return true
  if (body.kind !== 'VAR_SET_VALUE') return false
  const args = asList(body.args)
  return args.length === 1 && constantString(args[0]) === DEFAULT_SCHEMA
}

// The gateway parses SQL as PostgreSQL does with standard_conforming_strings=on and UTF-8 text. A session
// that changes either would make the server read a string literal differently from us (backslash escapes,
// multi-byte encodings whose second byte is `\`), so those SETs are refused. The value is a literal: mark it.
function checkLexerSetting(name: string, args: unknown[], acc: Acc): void {
  if (name !== 'standard_conforming_strings' && name !== 'client_encoding') return
  acc.literalSensitive = true
  const value = (constantString(args[0]) ?? '').toLowerCase()
  const ok =
    name === 'client_encoding'
      ? ['utf8', 'unicode'].includes(value.replace(/[^a-z0-9]/g, ''))
      : ['on', 'true', 'yes', '1', 't', 'y'].includes(value)
  if (!ok || args.length !== 1)
    fail(acc, `SET ${name} to that value would make the gateway misread later SQL`)
}

const explain: Handler = (body, acc) => {
  const analyze = asList(body.options).some((o) => unwrap(o)?.[1].defname === 'analyze')
  if (analyze) acc.traits.add('explain-analyze')
  walkProjecting(body.query, acc, 'result')
}

const prepare: Handler = (body, acc) => {
  const inner = newAcc(acc.dispatch)
  walkProjecting(body.query, inner, 'result')
  acc.prepares.push({
    name: asString(body.name) ?? '',
    kind: unwrap(body.query)?.[0] ?? 'Unknown',
    acc: inner,
  })
  for (const [id, entry] of inner.needs) if (!acc.needs.has(id)) acc.needs.set(id, entry)
  for (const trait of inner.traits) acc.traits.add(trait)
  if (inner.unclassified) fail(acc, inner.unclassified)
  acc.literalSensitive ||= inner.literalSensitive
  acc.executes.push(...inner.executes)
}

const execute: Handler = (body, acc) => {
  acc.executes.push(asString(body.name) ?? '')
  walk(body.params, acc)
}

const vacuum: Handler = (body, acc) => {
  const verb = body.is_vacuumcmd === true ? 'vacuum' : 'analyze'
  const rels = asList(body.rels)
  if (rels.length === 0) need(acc, verb, ['*'])
  for (const rel of rels) relation(asNode(unwrap(rel)?.[1].relation) ?? {}, verb, acc)
}

// LOCK ... IN ACCESS SHARE MODE takes the lock a SELECT takes; every stronger mode can block writers, and
// PostgreSQL asks UPDATE, DELETE or TRUNCATE privilege for it, so we ask `update`.
const lock: Handler = (body, acc) => {
  acc.traits.add('table-lock')
  withVerb(acc, body.mode === 1 ? 'select' : 'update', () => walk(body.relations, acc))
}

const ddl =
  (verb: string, more?: Handler): Handler =>
  (body, acc) => {
    acc.traits.add('ddl')
    if (verb === 'drop') acc.traits.add('destructive-ddl')
    more?.(body, acc)
  }

const TABLE_LIKE = new Set([
  'OBJECT_TABLE',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_INDEX',
  'OBJECT_SEQUENCE',
  'OBJECT_FOREIGN_TABLE',
])
const FUNCTION_LIKE = new Set(['OBJECT_FUNCTION', 'OBJECT_PROCEDURE', 'OBJECT_ROUTINE', 'OBJECT_AGGREGATE'])

const MEMBER_TYPES = new Set(['OBJECT_TRIGGER', 'OBJECT_POLICY', 'OBJECT_RULE', 'OBJECT_COLUMN'])

/** The Scope objects one object reference in DROP/COMMENT/GRANT/RENAME names, by object type. */
function objectsOf(type: string, item: unknown): string[] {
  const u = unwrap(item)
  if (!u) return ['*']
  const [kind, body] = u
  if (kind === 'RangeVar') return objectsFor(asString(body.schemaname), asString(body.relname) ?? '')
  if (kind === 'ObjectWithArgs') return objectsForNames(names(body.objname))
  if (kind === 'TypeName') return objectsForNames(names(body.names))
  if (kind === 'String' && type === 'OBJECT_SCHEMA') return [schemaObject(asString(body.sval) ?? '')]
  if (kind === 'List' && (TABLE_LIKE.has(type) || type === 'OBJECT_TYPE' || type === 'OBJECT_DOMAIN')) {
    return objectsForNames(names(body.items))
  }
  // [schema?, table, member]: the table is what a trigger, policy, rule or column belongs to.
  if (kind === 'List' && MEMBER_TYPES.has(type)) return objectsForNames(names(body.items).slice(0, -1))
  return ['*']
}

/** Changing a trigger, policy, rule or column alters its table; a policy change is a privilege change. */
function objectChange(verb: string, type: string, item: unknown, acc: Acc): void {
  if (type === 'OBJECT_POLICY') acc.traits.add('privilege-change')
  need(acc, MEMBER_TYPES.has(type) ? 'alter' : verb, objectsOf(type, item))
}

const drop = ddl('drop', (body, acc) => {
  for (const item of asList(body.objects)) objectChange('drop', asString(body.removeType) ?? '', item, acc)
})

const PRIVILEGE_SUBTYPES = new Set(['AT_ChangeOwner', 'AT_DisableRowSecurity', 'AT_NoForceRowSecurity'])

const alterTable = ddl('alter', (body, acc) => {
  target(body, acc, 'alter')
  for (const cmd of asList(body.cmds)) {
    const subtype = unwrap(cmd)?.[1].subtype
    if (subtype === 'AT_DropColumn') acc.traits.add('destructive-ddl')
    if (typeof subtype === 'string' && PRIVILEGE_SUBTYPES.has(subtype)) acc.traits.add('privilege-change')
  }
  withVerb(acc, 'alter', () => walk(body.cmds, acc))
})

const rename = ddl('alter', (body, acc) => {
  // A masking rule names a column (and may name its table): renamed, the column would leave the rule.
  acc.traits.add('renames')
  // A temporary table renamed after a catalog relation would shadow it (see classify-walk's need).
  const newName = asString(body.newname)
  if (newName !== undefined && PG_CATALOG_RELATIONS_EVERYWHERE.has(newName))
    fail(acc, `a relation may not be renamed to ${newName}, the name of a catalog relation`)
  if (body.relation !== undefined) target(body, acc, 'alter')
  else if (body.renameType === 'OBJECT_SCHEMA')
    need(acc, 'alter', [schemaObject(asString(body.subname) ?? '')])
  else objectChange('alter', asString(body.renameType) ?? '', body.object, acc)
})

const createFunction = ddl('create', (body, acc) => {
  need(acc, 'create', objectsForNames(names(body.funcname)))
  const security = asList(body.options).some((o) => {
    const def = unwrap(o)?.[1]
    return def?.defname === 'security' && asNode(asNode(def.arg)?.Boolean)?.boolval === true
  })
  if (security) acc.traits.add('privilege-change')
  // A body given as a string (`AS $$ ... $$`, any language) is SQL or code the gateway cannot read, run
  // later by a call that looks harmless; a `BEGIN ATOMIC` body is parsed, and walked below.
  if (asList(body.options).some((o) => unwrap(o)?.[1].defname === 'as')) acc.traits.add('dynamic-sql')
  withVerb(acc, 'select', () => walkFields(body, acc, new Set(['funcname'])))
})

const createTrigger = ddl('create', (body, acc) => {
  target(body, acc, 'alter')
  need(acc, 'execute', objectsForNames(names(body.funcname)))
  withVerb(acc, 'select', () => walkFields(body, acc, new Set(['funcname', 'relation'])))
})

const grant: Handler = (body, acc) => {
  acc.traits.add('privilege-change')
  const type = asString(body.objtype) ?? ''
  const objects = asList(body.objects)
  if (body.targtype === 'ACL_TARGET_ALL_IN_SCHEMA') {
    for (const s of names(objects)) need(acc, 'grant', [schemaObject(s)])
  } else if (
    body.targtype === 'ACL_TARGET_OBJECT' &&
    (TABLE_LIKE.has(type) || FUNCTION_LIKE.has(type) || type === 'OBJECT_SCHEMA')
  ) {
    for (const item of objects) need(acc, 'grant', objectsOf(type, item))
  } else {
    need(acc, 'grant', ['*'])
  }
}

/** A RoleSpec's name; CURRENT_USER and friends become `*` (we do not know who that is upstream). */
function roleName(spec: unknown): string {
  const wrapped = unwrap(spec)
  const role = wrapped?.[0] === 'RoleSpec' ? wrapped[1] : asNode(spec)
  return role?.roletype === 'ROLESPEC_CSTRING' ? (asString(role.rolename) ?? '*') : '*'
}

const roleStmt =
  (pick: (body: Node) => string[], destructive = false): Handler =>
  (body, acc) => {
    need(acc, 'role', pick(body))
    acc.traits.add('role-change')
    if (destructive) acc.traits.add('destructive-ddl')
    const hasPassword = asList(body.options).some((o) => unwrap(o)?.[1].defname === 'password')
    if (hasPassword) acc.traits.add('contains-secret')
  }

const channel =
  (verb: string): Handler =>
  (body, acc) =>
    need(acc, verb, [asString(body.conditionname) ?? '*'])

const session =
  (verb: string, object: (body: Node) => string): Handler =>
  (body, acc) =>
    need(acc, verb, [object(body)])

const nothing: Handler = () => {}

const HANDLERS: Record<string, Handler> = {
  SelectStmt: select,
  InsertStmt: insert,
  UpdateStmt: dml('update'),
  DeleteStmt: dml('delete'),
  MergeStmt: merge,
  CopyStmt: copy,
  TruncateStmt: (body, acc) => {
    acc.traits.add('destructive-ddl').add('writes').add('unbounded-write')
    withVerb(acc, 'truncate', () => walk(body.relations, acc))
  },
  ExplainStmt: explain,
  DeclareCursorStmt: (body, acc) => walkProjecting(body.query, acc, 'result'),
  FetchStmt: nothing,
  ClosePortalStmt: nothing,
  PrepareStmt: prepare,
  ExecuteStmt: execute,
  DeallocateStmt: (body, acc) => {
    acc.deallocates.push(body.isall === true ? '*' : (asString(body.name) ?? ''))
  },
  TransactionStmt: (body, acc) => transactionModes(body.options, acc),
  VariableSetStmt: variableSet,
  VariableShowStmt: session('show', (b) => asString(b.name)?.toLowerCase() ?? '*'),
  AlterSystemStmt: (body, acc) => {
    acc.traits.add('system-change')
    need(acc, 'set', [asString(asNode(body.setstmt)?.name)?.toLowerCase() ?? 'all'])
  },
  DiscardStmt: (body, acc) => {
    const what = (asString(body.target) ?? 'DISCARD_ALL').replace('DISCARD_', '').toLowerCase()
    need(acc, 'discard', [what])
    if (what === 'all') acc.deallocates.push('*')
  },
  ListenStmt: channel('listen'),
  NotifyStmt: channel('notify'),
  UnlistenStmt: channel('unlisten'),
  VacuumStmt: vacuum,
  LockStmt: lock,
  CallStmt: (body, acc) => funcCall(asNode(body.funccall) ?? {}, acc),
  DoStmt: (_body, acc) => {
    // Its body is code the gateway cannot read (it may EXECUTE any string): the dynamic-sql guardrail's.
    acc.traits.add('do-block').add('dynamic-sql')
    need(acc, 'execute', ['do'])
  },
  CreateStmt: ddl('create', (body, acc) => {
    target(body, acc, 'create')
    withVerb(acc, 'select', () => walkFields(body, acc, RELATION))
  }),
  CreateTableAsStmt: ddl('create', (body, acc) => {
    relation(asNode(asNode(body.into)?.rel) ?? {}, 'create', acc)
    acc.traits.add('writes')
    walk(body.query, acc)
  }),
  ViewStmt: ddl('create', (body, acc) => {
    relation(asNode(body.view) ?? {}, 'create', acc)
    walk(body.query, acc)
  }),
  IndexStmt: ddl('create', (body, acc) => {
    target(body, acc, 'alter')
    withVerb(acc, 'select', () => walkFields(body, acc, RELATION))
  }),
  AlterTableStmt: alterTable,
  DropStmt: drop,
  RenameStmt: rename,
  CommentStmt: ddl('alter', (body, acc) =>
    objectChange('alter', asString(body.objtype) ?? '', body.object, acc),
  ),
  CreateSchemaStmt: ddl('create', (body, acc) => {
    const schema =
      asString(body.schemaname) ?? (roleName(body.authrole) === '*' ? undefined : roleName(body.authrole))
    need(acc, 'create', [schema === undefined ? '*' : schemaObject(schema)])
    walk(body.schemaElts, acc)
  }),
  CreateSeqStmt: ddl('create', (body, acc) => relation(asNode(body.sequence) ?? {}, 'create', acc)),
  AlterSeqStmt: ddl('alter', (body, acc) => relation(asNode(body.sequence) ?? {}, 'alter', acc)),
  CreateFunctionStmt: createFunction,
  CreateTrigStmt: createTrigger,
  CreateEnumStmt: ddl('create', (body, acc) => need(acc, 'create', objectsForNames(names(body.typeName)))),
  CompositeTypeStmt: ddl('create', (body, acc) => relation(asNode(body.typevar) ?? {}, 'create', acc)),
  CreateDomainStmt: ddl('create', (body, acc) => {
    need(acc, 'create', objectsForNames(names(body.domainname)))
    withVerb(acc, 'select', () => walk(body.constraints, acc))
  }),
  CreateExtensionStmt: ddl('create', (_body, acc) => {
    acc.traits.add('system-change')
    need(acc, 'create', ['*'])
  }),
  GrantStmt: grant,
  GrantRoleStmt: (body, acc) => {
    acc.traits.add('privilege-change').add('role-change')
    const granted = asList(body.granted_roles).map((r) => asString(unwrap(r)?.[1].priv_name) ?? '*')
    need(acc, 'role', granted.length > 0 ? granted : ['*'])
  },
  AlterDefaultPrivilegesStmt: (_body, acc) => {
    acc.traits.add('privilege-change')
    need(acc, 'grant', ['*'])
  },
  CreateRoleStmt: roleStmt((b) => [asString(b.role) ?? '*']),
  AlterRoleStmt: roleStmt((b) => [roleName(b.role)]),
  AlterRoleSetStmt: roleStmt((b) => [roleName(b.role)]),
  DropRoleStmt: roleStmt((b) => asList(b.roles).map(roleName), true),
}

/** Statement kinds whose only effect is reading (further traits such as `writes` can still rule it out). */
export const READ_ONLY_KINDS = new Set([
  'SelectStmt',
  'VariableShowStmt',
  'ExplainStmt',
  'CopyStmt',
  'DeclareCursorStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'TransactionStmt',
  'PrepareStmt',
  'ExecuteStmt',
  'DeallocateStmt',
  'ListenStmt',
  'UnlistenStmt',
])

/** The bare columns (`c`, `t.c`, `*`, `t.*`) of a plain SELECT's target list: they reach the client as they
 * are, so masking sees them. Anything else that reads a column computes on it (classify-walk.ts). In a FROM
 * subquery or CTE (`relation`) a column keeps its name only without an alias, so the outer query computing
 * on it is seen by that name; an aliased one is computed on. A set operation compares its arms' rows
 * (UNION's duplicate removal answers "is it equal?"), so its arms project nothing. */
function markProjections(body: Node, acc: Acc, mode: Projecting): void {
  if (body.op !== undefined && body.op !== 'SETOP_NONE') return
  // SELECT … INTO writes its rows to a new table, where no rule on the old one masks them (as CREATE TABLE AS).
  if (body.intoClause !== undefined) return
  // Plain DISTINCT (an empty node in distinctClause; DISTINCT ON lists its expressions) compares whole rows,
  // as GROUP BY would: duplicate removal answers "are these equal?".
  if (asList(body.distinctClause).some((d) => Object.keys(asNode(d) ?? {}).length === 0)) return
  const targets = asList(body.targetList).map((target) => unwrap(target)?.[1])
  const sortedOn = targetsNamedBySortOrGroup(body, targets, acc)
  for (const [i, resTarget] of targets.entries()) {
    if (mode === 'relation' && resTarget?.name !== undefined) continue
    if (sortedOn.has(i)) continue
    const value = unwrap(resTarget?.val)
    if (value?.[0] === 'ColumnRef') acc.projections.add(value[1])
  }
}

/** The targets ORDER BY or GROUP BY name by position (`ORDER BY 1`; one inside a `*` names the `*`) or by
 * output alias (`SELECT ssn s … ORDER BY s`): sorting or grouping on a column computes on it, whatever it
 * is called. */
function targetsNamedBySortOrGroup(body: Node, targets: (Node | undefined)[], acc: Acc): Set<number> {
  const named = new Set<number>()
  const keys = [
    ...asList(body.sortClause).map((s) => asNode(unwrap(s)?.[1])?.node),
    ...asList(body.groupClause),
  ]
  const isStar = (t: Node | undefined) => {
    const value = unwrap(t?.val)
    return value?.[0] === 'ColumnRef' && asList(value[1].fields).some((f) => unwrap(f)?.[0] === 'A_Star')
  }
  for (const key of keys) {
    const [kind, node] = unwrap(key) ?? ['', {}]
    if (kind === 'A_Const') {
      const position = asNode(node.ival)?.ival
      if (typeof position !== 'number' || position < 1) continue
      // The position is a literal: `ORDER BY 1` and `ORDER BY 2` must not share a cached decision.
      acc.literalSensitive = true
      const star = targets.findIndex((t, i) => i < position && isStar(t))
      named.add(star >= 0 ? star : position - 1)
    } else if (kind === 'ColumnRef') {
      const fields = asList(node.fields)
      const only = fields.length === 1 ? unwrap(fields[0]) : undefined
      const name = only?.[0] === 'String' ? asString(only[1].sval) : undefined
      if (name === undefined) continue
      for (const [i, t] of targets.entries()) if (asString(t?.name) === name) named.add(i)
    }
  }
  return named
}

/** Classifies one statement node into `acc`; unknown kinds leave `acc` unclassified. */
export function dispatchStatement(kind: string, body: Node, acc: Acc): void {
  const projecting = acc.projectionNext
  acc.projectionNext = false
  if (projecting && kind === 'SelectStmt') markProjections(body, acc, projecting)
  // Every statement kind met anywhere (inside CTEs, PREPARE, EXPLAIN, ...) is a trait, so a guardrail on a
  // kind cannot be stepped around by nesting the statement.
  acc.traits.add(`stmt:${kind}`)
  const handler = Object.hasOwn(HANDLERS, kind) ? HANDLERS[kind] : undefined
  if (handler) handler(body, acc)
  else fail(acc, `statement kind ${kind} is not understood by the gateway`)
}

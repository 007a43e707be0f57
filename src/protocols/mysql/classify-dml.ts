// The data-modifying statements: INSERT/REPLACE, UPDATE (one table or a join) and DELETE (one table, or the
// multi-table forms, whose targets are named apart from the tables they read).
import { mayMatchEveryRow } from './classify-bounds.ts'
import { type Aliases, walkReferences } from './classify-references.ts'
import { type Acc, asList, asNode, type Node, nameParts, need, variant } from './classify-tree.ts'

type Handler = (body: Node, acc: Acc) => void

export const insert: Handler = (body, acc) => {
  const target = nameParts(asNode(body.table)?.TableName)
  need(acc, 'insert', target)
  // RETURNING (MariaDB) reads what was written back to the client.
  if (asList(body.returning).length > 0) need(acc, 'select', target)
  // REPLACE deletes the rows whose keys the new ones collide with.
  if (body.replace_into === true) need(acc, 'delete', target)
  if (body.on !== undefined && body.on !== null) need(acc, 'update', target)
  acc.traits.add('writes')
  for (const [key, value] of Object.entries(body)) if (key !== 'table') walkReferences(value, 'select', acc)
}

/** The tables of a FROM list / TableWithJoins, by alias, reading each. */
function readTables(tables: unknown, acc: Acc): Aliases {
  const aliases: Aliases = { map: new Map() }
  walkReferences(tables, 'select', acc, aliases)
  return aliases
}

function targetsByAlias(names: unknown[], aliases: Aliases, acc: Acc, verb: string): void {
  for (const raw of names) {
    const parts = nameParts(raw)
    const resolved = parts?.length === 1 ? aliases.map.get(parts[0]!.toLowerCase()) : parts
    need(acc, verb, resolved ?? parts)
  }
}

export const update: Handler = (body, acc) => {
  const table = asNode(body.table) ?? {}
  const aliases = readTables(table, acc)
  const single = asList(table.joins).length === 0 && aliases.map.size === 1
  const assigned: unknown[] = []
  for (const assignment of asList(body.assignments)) {
    const columns = nameParts(asNode(asNode(assignment)?.target)?.ColumnName)
    if (single || columns === undefined || columns.length < 2) {
      // One table, or a column nothing qualifies: every table of the statement may be the one written.
      assigned.push(...[...aliases.map.keys()].map((alias) => [{ value: alias }]))
    } else {
      assigned.push(columns.slice(0, -1).map((value) => ({ value })))
    }
  }
  targetsByAlias(assigned, aliases, acc, 'update')
  if (mayMatchEveryRow(body.selection)) acc.traits.add('unbounded-write')
  acc.traits.add('writes')
  for (const [key, value] of Object.entries(body)) if (key !== 'table') walkReferences(value, 'select', acc)
}

export const del: Handler = (body, acc) => {
  const from = variant(body.from)
  const fromTables = from ? (body.from as Node)[from[0]] : []
  const aliases = readTables([fromTables, body.using], acc)
  const named = asList(body.tables)
  if (named.length > 0) {
    // DELETE t1, t2 FROM t1 JOIN t2 …: the listed names (aliases included) are the targets.
    targetsByAlias(named, aliases, acc, 'delete')
  } else {
    // DELETE FROM t …, and DELETE FROM t1, t2 USING …: the FROM list is the targets.
    const targets = asList(fromTables).map((t) => asNode(asNode(asNode(t)?.relation)?.Table)?.name)
    targetsByAlias(targets, { map: new Map() }, acc, 'delete')
  }
  if (mayMatchEveryRow(body.selection)) acc.traits.add('unbounded-write')
  acc.traits.add('writes')
  // Everything but the table lists (walked above): WHERE, ORDER BY, LIMIT, RETURNING and what may come.
  for (const [key, value] of Object.entries(body))
    if (key !== 'from' && key !== 'using') walkReferences(value, 'select', acc)
}

// Actions for the commands that carry no SQL text but still do something policy decides: COM_INIT_DB
// changes the database unqualified names resolve in (as USE does), COM_FIELD_LIST lists a table's columns
// (as SHOW COLUMNS does). COM_QUERY and COM_STMT_PREPARE go through classify.ts; COM_STMT_EXECUTE runs the
// Action its prepare was decided on (prepared-statements.ts); the rest carry nothing to decide.
import type { Action } from '../../core/index.ts'
import { parseComFieldList, parseTextCommand } from './wire/commands.ts'
import { Command } from './wire/constants.ts'

export interface ClassifiedCommand {
  action: Action
  /** COM_INIT_DB: the session's database once the server's OK confirms it. */
  usesDatabase?: string
}

const quoted = (name: string) => `\`${name.replaceAll('`', '``')}\``

/** The Action of a COM_INIT_DB or COM_FIELD_LIST payload; undefined for any other command. */
export function classifyCommand(
  payload: Buffer,
  database: string | undefined,
): ClassifiedCommand | undefined {
  const command = payload[0]
  if (command === Command.COM_INIT_DB) {
    const name = parseTextCommand(payload)
    const action: Action = {
      protocol: 'mysql',
      kind: 'Use',
      needs: [],
      traits: ['read-only'],
      text: `USE ${quoted(name)}`,
    }
    if (name === '' || name.includes('\0')) action.unclassified = 'COM_INIT_DB without a database name'
    return { action, usesDatabase: name }
  }
  if (command === Command.COM_FIELD_LIST) {
    const { table } = parseComFieldList(payload)
    const action: Action = {
      protocol: 'mysql',
      kind: 'ShowColumns',
      needs:
        database === undefined
          ? []
          : [{ verb: 'show', object: `${database.toLowerCase()}.${table.toLowerCase()}` }],
      traits: ['read-only'],
      text: `SHOW COLUMNS FROM ${quoted(table)}`,
    }
    if (database === undefined) action.unclassified = `"${table}" names no database and none is selected`
    return { action }
  }
  return undefined
}

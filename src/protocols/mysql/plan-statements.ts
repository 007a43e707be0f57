// MySQL's side of `policy replay` and grant plans (issue 16): a text split into statements at the `;` the
// server's lexer sees (statement-splitter.ts) and each classified as a session's statement would be, with the
// resource's database (`target.database`, what `grant env` / `connect` give clients) for unqualified names.
// Two statements are the same planned statement when the lexer's key matches: literals replaced by marks and
// spacing collapsed, so `WHERE id = 1` and `WHERE id = 2` are one shape. A recorded statement is classified
// against the same database: one run after a client's USE of another database is read as if in the
// resource's database (README, "Least privilege from recordings").
import type { ResourceConfig } from '../../config/schema.ts'
import type { Action, PlannedStatement } from '../../core/index.ts'
import { TaskgateError } from '../../core/index.ts'
import type { MysqlClassifier } from './classify.ts'
import { lexMysql } from './classify-lex.ts'
import { splitStatements } from './statement-splitter.ts'

const databaseOf = (resource: ResourceConfig): string | undefined =>
  resource.kind === 'mysql' ? resource.target.database : undefined

export function mysqlPlanStatements(
  classifier: MysqlClassifier,
): (text: string, resource: ResourceConfig) => PlannedStatement[] {
  return (text, resource) => {
    const split = splitStatements(text)
    if ('error' in split)
      throw new TaskgateError('TG_REQUEST_INVALID', {
        message: `The plan does not split into MySQL statements: ${split.error}.`,
      })
    const database = databaseOf(resource)
    return split.statements.map((sql) => {
      const { action } = classifier.classify(sql.trim(), { database })
      const planned: PlannedStatement = {
        text: action.recordText ?? sql.trim(),
        needs: action.needs,
        shape: lexMysql(sql).key.trim(),
      }
      if (action.unclassified !== undefined) planned.unclassified = action.unclassified
      return planned
    })
  }
}

/** A recorded MySQL statement classified again, for policy replay. */
export function mysqlReclassifier(
  classifier: MysqlClassifier,
): (text: string, resource: ResourceConfig) => Action {
  return (text, resource) => classifier.classify(text, { database: databaseOf(resource) }).action
}

// `taskgate masking test` on a MySQL resource: runs an administrator's query on the target as the gateway's
// own account, in a read-only session whose work is never committed, and masks its rows with the plan a
// session under those rules would get (resultColumnsOf, as session.ts plans each result).
import {
  type MaskingContext,
  type MaskingProbe,
  type MaskingTestColumn,
  maskValue,
  needsMasking,
  TaskgateError,
  takeMaskCounts,
} from '../../core/index.ts'
import { AdminConnection, MysqlServerError } from './admin-connection.ts'
import type { MysqlTarget, UpstreamLogin } from './back.ts'
import { ErrorMasker } from './mask-errors.ts'
import { resultColumnsOf } from './mask-rows.ts'

const TIMEOUT_MS = 30_000

export function createMysqlMaskingProbe(target: MysqlTarget, login: () => UpstreamLogin): MaskingProbe {
  return async ({ sql, masking, maxRows }) => {
    const db = await AdminConnection.open(target, login(), { readOnly: true })
    let timer: NodeJS.Timeout | undefined
    try {
      await db.query('START TRANSACTION READ ONLY')
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('the masking test query timed out')), TIMEOUT_MS)
      })
      const result = await Promise.race([db.query(sql), timeout]).catch((error: unknown) => {
        throw queryFailed(error, masking)
      })
      const described = resultColumnsOf(result.columns)
      const plan = masking?.plan(described)
      const rows = result.rows.slice(0, maxRows).map((row) =>
        row.map((value, i) => {
          if (value === null || plan === undefined || !needsMasking(plan, i)) return value
          return maskValue(plan, i, value)
        }),
      )
      const counts = plan ? takeMaskCounts(plan) : {}
      return {
        columns: described.map(
          (c): MaskingTestColumn => ({
            name: c.name,
            ...(c.table === undefined ? {} : { table: c.table }),
            type: c.typeHint ?? 'text',
            masked: countsOf(c.name, counts),
          }),
        ),
        rows,
        rowCount: result.rows.length,
        truncated: result.rows.length > maxRows,
      }
    } finally {
      clearTimeout(timer)
      // Never committed: the connection goes, and the server rolls the transaction back.
      db.destroy()
    }
  }
}

/** `column/what` counters of one column, keyed by `what`. */
function countsOf(column: string, counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [name, n] of Object.entries(counts)) {
    const slash = name.lastIndexOf('/')
    if (name.slice(0, slash) === column) out[name.slice(slash + 1)] = n
  }
  return out
}

/** The server's error, its text through the detectors in force (an error may echo a value). */
function queryFailed(error: unknown, masking: MaskingContext | undefined): TaskgateError {
  if (!(error instanceof MysqlServerError))
    return new TaskgateError('TG_QUERY_FAILED', { message: String(error), cause: error })
  const err = { errorCode: error.errorCode, sqlState: error.sqlState, message: error.message }
  const masked = masking ? (new ErrorMasker(masking).mask(err) ?? err) : err
  return new TaskgateError('TG_QUERY_FAILED', {
    message: `${masked.sqlState} ${masked.errorCode}: ${masked.message}`,
    cause: error,
  })
}

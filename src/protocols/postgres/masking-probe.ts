// `taskgate masking test`: runs an administrator's query on the target in a read-only transaction that is
// rolled back, and passes its rows through the same RowMasker the data path uses, so what it shows is what
// a session under those rules would get.
import pg from 'pg'
import type { PostgresResourceConfig } from '../../config/schema.ts'
import {
  type MaskingContext,
  type MaskingProbe,
  type MaskingTestColumn,
  TaskgateError,
} from '../../core/index.ts'
import { ColumnOrigins } from './column-origins.ts'
import { typeNameOf } from './column-types.ts'
import { ErrorMasker } from './mask-errors.ts'
import { type DescribedColumn, RowMasker } from './mask-rows.ts'
import { readsOfText } from './statement-reads.ts'
import type { CatalogLogin, TableCatalog } from './table-catalog.ts'

const STATEMENT_TIMEOUT_MS = 30_000

export function createMaskingProbe(
  target: PostgresResourceConfig['target'],
  login: () => CatalogLogin,
  catalog: TableCatalog,
): MaskingProbe {
  return async ({ sql, masking, maxRows }) => {
    const { user, password } = login()
    const client = new pg.Client({
      host: target.host,
      port: target.port,
      database: target.database,
      user,
      ...(password === undefined ? {} : { password }),
      ssl:
        target.tls === 'require' || target.tls === 'verify-full'
          ? { rejectUnauthorized: target.tls === 'verify-full' }
          : false,
      application_name: 'taskgate-masking-test',
      statement_timeout: STATEMENT_TIMEOUT_MS,
    })
    await client.connect()
    try {
      await client.query('begin read only')
      const result = await client
        .query({ text: sql, rowMode: 'array', types: { getTypeParser: () => (value: string) => value } })
        .catch((error: unknown) => {
          throw queryFailed(error, masking)
        })
      const last = (Array.isArray(result) ? result.at(-1) : result) as pg.QueryArrayResult<string[]>
      // Tables and origins as the data path learns them (column-origins.ts), always: the probe shows tables.
      const fields = last.fields.map((f) => ({
        name: f.name,
        tableOid: f.tableID,
        columnAttr: f.columnID,
        typeOid: f.dataTypeID,
        format: 0,
      }))
      const origins = new ColumnOrigins(catalog)
      const reads = readsOfText(sql)
      await origins.prepare(fields, reads)
      const columns: DescribedColumn[] = origins.describe(fields, reads)
      const masker = new RowMasker(columns, masking, maxRows)
      for (const row of last.rows) masker.dataRow(dataRowOf(row))
      const counts: Record<string, number> = {}
      masker.takeCounts(counts)
      return {
        columns: columns.map(
          (c): MaskingTestColumn => ({
            name: c.name,
            ...(c.table === undefined ? {} : { table: c.table }),
            type: typeNameOf(c.typeOid),
            masked: countsOf(c.name, counts),
          }),
        ),
        rows: masker.sample.rows as Array<Array<string | null>>,
        rowCount: last.rows.length,
        truncated: last.rows.length > maxRows,
      }
    } finally {
      await client.query('rollback').catch(() => {})
      await client.end().catch(() => {})
    }
  }
}

/** A text-format DataRow of `values`, as the target would have sent it. */
function dataRowOf(values: Array<string | null>): Buffer {
  const parts = values.map((v) => (v === null ? null : Buffer.from(v, 'utf8')))
  const length = 4 + 2 + parts.reduce((n, p) => n + 4 + (p?.length ?? 0), 0)
  const out = Buffer.allocUnsafe(1 + length)
  out[0] = 0x44
  out.writeInt32BE(length, 1)
  out.writeInt16BE(parts.length, 5)
  let pos = 7
  for (const p of parts) {
    out.writeInt32BE(p === null ? -1 : p.length, pos)
    pos += 4
    if (p !== null) pos += p.copy(out, pos)
  }
  return out
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

/** The target's error, its text through the detectors in force (a cast error echoes the value). */
function queryFailed(error: unknown, masking: MaskingContext | undefined): TaskgateError {
  const e = error as { code?: string; message?: string }
  const fields = new Map([
    ['C', e.code ?? ''],
    ['M', e.message ?? String(error)],
  ])
  if (masking) new ErrorMasker(masking).mask(fields)
  return new TaskgateError('TG_QUERY_FAILED', {
    message: `${fields.get('C')}: ${fields.get('M')}`,
    cause: error,
  })
}

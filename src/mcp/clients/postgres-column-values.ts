// How column values reach the model: JSON-safe and lossless. Booleans and small numbers become JSON
// values; int8 and numeric stay text (a JSON number would round them); json/jsonb are parsed; everything
// else (timestamps, intervals, arrays, bytea as \x hex) stays in PostgreSQL's own text form, which a model
// reads better than a reformatted Date.
// OIDs: postgresql.org/docs/current/datatype-oid.html, src/include/catalog/pg_type.dat.
import pg from 'pg'

// Names by OID from node-postgres' table of built-in types (pg-types), plus `name`, which it lacks.
const TYPE_NAMES = new Map<number, string>([
  ...Object.entries(pg.types.builtins).map(([name, oid]): [number, string] => [oid, name.toLowerCase()]),
  [19, 'name'],
])

export function typeName(oid: number): string {
  return TYPE_NAMES.get(oid) ?? `oid:${oid}`
}

const asText = (value: string): string => value
const asNumber = (value: string): number | string => {
  const n = Number(value)
  return Number.isFinite(n) ? n : value // NaN and Infinity are not JSON numbers
}
const asJson = (value: string): unknown => {
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}

/** A pg `types` override (query config) applying the rules above. */
export const columnTypes = {
  getTypeParser(oid: number): (value: string) => unknown {
    switch (oid) {
      case 16:
        return (value) => value === 't'
      case 21:
      case 23:
      case 26:
      case 700:
      case 701:
        return asNumber
      case 114:
      case 3802:
        return asJson
      default:
        return asText
    }
  },
}

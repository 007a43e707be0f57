// What masking may do with a result column, from its type OID (pg_type.h) and its format code.
import pg from 'pg'
import type { ColumnTypeHint } from '../../core/index.ts'

/**
 * How a value's bytes become the text the masking engine reads and back: `utf8` (every text-format value,
 * and binary text-like types, whose binary form is the text itself), `jsonb` (binary jsonb: a version byte,
 * then the text), `int` (binary int2/4/8: decoded to test it, NULL if it must change), `opaque` (any other
 * binary value: cannot be rewritten, so NULL if a rule matches it).
 */
export type ColumnCodec = 'utf8' | 'jsonb' | 'int' | 'opaque'

export interface ColumnKind {
  hint: ColumnTypeHint
  codec: ColumnCodec
}

const TEXT_LIKE = new Set([
  18, // "char"
  19, // name
  25, // text
  705, // unknown
  1042, // bpchar
  1043, // varchar
])
const JSON_OID = 114
const JSONB = 3802
const INTS = new Set([20, 21, 23]) // int8, int2, int4
// Their text forms are digits and punctuation and cannot hold free text: treated as numbers, tested whole
// only where the column name says what they are (`card_number bigint`).
const NUMBER_LIKE = new Set([
  16, // bool
  26, // oid
  700, // float4
  701, // float8
  790, // money
  1082, // date
  1083, // time
  1114, // timestamp
  1184, // timestamptz
  1186, // interval
  1266, // timetz
  1700, // numeric
  2950, // uuid
])
const BYTEA = 17

export function columnKind(typeOid: number, format: number): ColumnKind {
  const hint = typeHintOf(typeOid)
  if (format === 0) return { hint, codec: 'utf8' }
  if (TEXT_LIKE.has(typeOid) || typeOid === JSON_OID) return { hint, codec: 'utf8' }
  if (typeOid === JSONB) return { hint, codec: 'jsonb' }
  if (INTS.has(typeOid)) return { hint, codec: 'int' }
  return { hint, codec: 'opaque' }
}

/** The engine's coarse type of a column; unknown types (citext, enums, arrays, domains) are scanned as text. */
export function typeHintOf(typeOid: number): ColumnTypeHint {
  if (TEXT_LIKE.has(typeOid)) return 'text'
  if (typeOid === JSON_OID || typeOid === JSONB) return 'json'
  if (INTS.has(typeOid) || NUMBER_LIKE.has(typeOid)) return 'number'
  if (typeOid === BYTEA) return 'binary'
  return 'other'
}

/** Text of a binary int2/int4/int8 value. */
export function decodeBinaryInt(bytes: Buffer): string | undefined {
  if (bytes.length === 2) return String(bytes.readInt16BE(0))
  if (bytes.length === 4) return String(bytes.readInt32BE(0))
  if (bytes.length === 8) return String(bytes.readBigInt64BE(0))
  return undefined
}

/** A short name of a type for `taskgate masking test`. */
export function typeNameOf(typeOid: number): string {
  return TYPE_NAMES.get(typeOid) ?? `oid ${typeOid}`
}

// Names by OID from node-postgres' table of built-in types (pg-types), plus `name`, which it lacks.
const TYPE_NAMES = new Map<number, string>([
  ...Object.entries(pg.types.builtins).map(([name, oid]): [number, string] => [oid, name.toLowerCase()]),
  [19, 'name'],
])

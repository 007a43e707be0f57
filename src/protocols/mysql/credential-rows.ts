// SHOW GRANTS and SHOW CREATE USER answer with the account's stored password: MariaDB writes
// `IDENTIFIED BY PASSWORD '*…'` / `IDENTIFIED VIA ed25519 USING '…'` in them, MySQL `IDENTIFIED WITH '…'
// AS '…'`. Shown to a client, the target account's own hash (the account taskgate logs in with) would
// reach a client that was never meant to hold any target credential, and could be cracked offline. The
// statement stays allowed (drivers and GUIs ask it to learn their privileges); the stored value in each row
// is replaced before the row leaves the gateway. The classifier marks these statements `shows-credentials`.
import type { ColumnDefinition41 } from './wire/column-definition.ts'
import { PayloadReader } from './wire/payload-reader.ts'
import { lenencIntBytes } from './wire/payload-writer.ts'
import {
  type Cell,
  encodeBinaryRow,
  encodeTextRow,
  parseBinaryRow,
  parseTextRow,
} from './wire/result-rows.ts'

/** A quoted value after USING, AS or PASSWORD: what an account's authentication stores. The alternatives
 * of the body start with distinct characters, so matching is linear. */
const STORED_VALUE = /\b(USING|AS|PASSWORD)(\s+)'(?:[^'\\]|\\.|'')*'/gi
const REDACTED = "$1$2'<taskgate: redacted>'"
/** Column types whose binary cells are length-encoded strings (VARCHAR, BLOBs, VAR_STRING, STRING). */
const STRING_TYPES = new Set([15, 249, 250, 251, 252, 253, 254])

export function redactCredentialText(text: string): string {
  return text.replace(STORED_VALUE, REDACTED)
}

/** The row with every stored credential in its cells replaced; the same buffer when there is none. */
export function redactCredentialRow(
  payload: Buffer,
  binary: boolean,
  columns: readonly ColumnDefinition41[],
): Buffer {
  const types = columns.map((c) => c.type)
  const cells: Cell[] = binary ? parseBinaryRow(payload, types) : parseTextRow(payload, columns.length)
  let changed = false
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]
    if (!cell || (binary && !STRING_TYPES.has(types[i]!))) continue
    // A binary string cell is its length-encoded wire form; a text cell the bytes themselves.
    const bytes = binary ? new PayloadReader(cell).lenencBytes() : cell
    const text = bytes.toString('utf8')
    const redacted = redactCredentialText(text)
    if (redacted === text) continue
    const out = Buffer.from(redacted, 'utf8')
    cells[i] = binary ? Buffer.concat([lenencIntBytes(out.length), out]) : out
    changed = true
  }
  if (!changed) return payload
  return binary ? encodeBinaryRow(cells) : encodeTextRow(cells)
}

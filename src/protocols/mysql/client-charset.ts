// The character set a client asks for in its handshake (one byte: a collation id), carried to the upstream
// login so the session is in the client's character set and collation, as it would be connected directly
// (a driver asking utf8mb4_unicode_ci compares strings by that collation; a latin1 client gets latin1
// bytes back). Only character sets in which every byte below 0x80 is itself are carried: the gateway
// decodes statement text as UTF-8, which agrees with the server's lexer on each quote and backslash only
// for those (classify-statements.ts READABLE_CHARSETS says why, for SET NAMES).
import { UTF8MB4_GENERAL_CI } from './wire/constants.ts'

/** MariaDB 10.11's collation ids below 256 for utf8mb4, utf8mb3, latin1, ascii and binary
 * (information_schema.COLLATIONS), MySQL 8's utf8mb4_0900_ai_ci (255) is handled apart. */
const READABLE_IDS = new Set([
  45, 46, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243,
  244, 245, 246, 247, 33, 83, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207,
  208, 209, 210, 211, 212, 213, 214, 215, 223, 5, 8, 15, 31, 47, 48, 49, 94, 11, 65, 63,
])

/** Collation ids below 256 that MariaDB 10.11 or MySQL 8 knows for other character sets (big5, gbk, sjis,
 * cp932, gb18030, ucs2, utf16, utf32, the single-byte ones…). */
const OTHER_KNOWN_RANGES: readonly [number, number][] = [
  [1, 4],
  [6, 7],
  [9, 10],
  [12, 14],
  [16, 16],
  [18, 30],
  [32, 32],
  [34, 44],
  [50, 62],
  [64, 64],
  [66, 75],
  [77, 82],
  [84, 93],
  [95, 99],
  [101, 124],
  [128, 151],
  [159, 183],
  [248, 250],
]

/** MySQL 8's default (utf8mb4_0900_ai_ci); MariaDB 10.11 does not know it. */
const UTF8MB4_0900_AI_CI = 255

export type UpstreamCharset = { collation: number } | { refused: string }

/**
 * The collation to log in upstream with, for the client's handshake collation id, or why it is refused.
 * An id the servers do not know (0, or MySQL 8's 255 toward a server whose own default is not 255) becomes
 * utf8mb4_general_ci, never the server's default: that default may be a character set the gateway cannot
 * read statements in.
 */
export function upstreamCharset(clientCollation: number, targetDefault: number): UpstreamCharset {
  if (clientCollation === UTF8MB4_0900_AI_CI)
    return { collation: targetDefault === UTF8MB4_0900_AI_CI ? UTF8MB4_0900_AI_CI : UTF8MB4_GENERAL_CI }
  if (READABLE_IDS.has(clientCollation)) return { collation: clientCollation }
  if (OTHER_KNOWN_RANGES.some(([low, high]) => clientCollation >= low && clientCollation <= high))
    return {
      refused: `the client character set (collation id ${clientCollation}) is not one the gateway reads statements in; connect with utf8mb4 (or latin1, ascii, binary)`,
    }
  return { collation: UTF8MB4_GENERAL_CI }
}

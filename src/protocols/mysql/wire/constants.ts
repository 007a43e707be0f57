// Wire constants under the names the MySQL and MariaDB documentation gives them, so code greps against
// dev.mysql.com/doc/dev/mysql-server/latest/group__group__cs__capabilities__flags.html,
// mariadb.com/kb/en/connection/ and mariadb.com/kb/en/result-set-packets/.

/** Capability flags (int<4> in the handshake; MariaDB adds int<4> more in the handshake's filler). */
export const CapabilityFlag = {
  CLIENT_LONG_PASSWORD: 1,
  CLIENT_FOUND_ROWS: 1 << 1,
  CLIENT_LONG_FLAG: 1 << 2,
  CLIENT_CONNECT_WITH_DB: 1 << 3,
  CLIENT_NO_SCHEMA: 1 << 4,
  CLIENT_COMPRESS: 1 << 5,
  CLIENT_ODBC: 1 << 6,
  CLIENT_LOCAL_FILES: 1 << 7,
  CLIENT_IGNORE_SPACE: 1 << 8,
  CLIENT_PROTOCOL_41: 1 << 9,
  CLIENT_INTERACTIVE: 1 << 10,
  CLIENT_SSL: 1 << 11,
  CLIENT_IGNORE_SIGPIPE: 1 << 12,
  CLIENT_TRANSACTIONS: 1 << 13,
  CLIENT_RESERVED: 1 << 14,
  CLIENT_SECURE_CONNECTION: 1 << 15,
  CLIENT_MULTI_STATEMENTS: 1 << 16,
  CLIENT_MULTI_RESULTS: 1 << 17,
  CLIENT_PS_MULTI_RESULTS: 1 << 18,
  CLIENT_PLUGIN_AUTH: 1 << 19,
  CLIENT_CONNECT_ATTRS: 1 << 20,
  CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA: 1 << 21,
  CLIENT_CAN_HANDLE_EXPIRED_PASSWORDS: 1 << 22,
  CLIENT_SESSION_TRACK: 1 << 23,
  CLIENT_DEPRECATE_EOF: 1 << 24,
  CLIENT_OPTIONAL_RESULTSET_METADATA: 1 << 25,
  CLIENT_ZSTD_COMPRESSION_ALGORITHM: 1 << 26,
  CLIENT_QUERY_ATTRIBUTES: 1 << 27,
  /** MariaDB: progress reports as 0xFFFF-coded ERR packets in the middle of a response. */
  CLIENT_PROGRESS_OBSOLETE: 1 << 29,
  CLIENT_SSL_VERIFY_SERVER_CERT: 1 << 30,
} as const

/** Server status flags (OK and EOF packets). */
export const ServerStatus = {
  SERVER_STATUS_IN_TRANS: 1,
  SERVER_STATUS_AUTOCOMMIT: 1 << 1,
  SERVER_MORE_RESULTS_EXISTS: 1 << 3,
  SERVER_STATUS_NO_GOOD_INDEX_USED: 1 << 4,
  SERVER_STATUS_NO_INDEX_USED: 1 << 5,
  SERVER_STATUS_CURSOR_EXISTS: 1 << 6,
  SERVER_STATUS_LAST_ROW_SENT: 1 << 7,
  SERVER_STATUS_DB_DROPPED: 1 << 8,
  SERVER_STATUS_NO_BACKSLASH_ESCAPES: 1 << 9,
  SERVER_STATUS_METADATA_CHANGED: 1 << 10,
  SERVER_QUERY_WAS_SLOW: 1 << 11,
  SERVER_PS_OUT_PARAMS: 1 << 12,
  SERVER_STATUS_IN_TRANS_READONLY: 1 << 13,
  SERVER_SESSION_STATE_CHANGED: 1 << 14,
} as const

/** The first byte of a command packet (the client's side of the command phase). */
export const Command = {
  COM_SLEEP: 0x00,
  COM_QUIT: 0x01,
  COM_INIT_DB: 0x02,
  COM_QUERY: 0x03,
  COM_FIELD_LIST: 0x04,
  COM_CREATE_DB: 0x05,
  COM_DROP_DB: 0x06,
  COM_REFRESH: 0x07,
  COM_SHUTDOWN: 0x08,
  COM_STATISTICS: 0x09,
  COM_PROCESS_INFO: 0x0a,
  COM_CONNECT: 0x0b,
  COM_PROCESS_KILL: 0x0c,
  COM_DEBUG: 0x0d,
  COM_PING: 0x0e,
  COM_TIME: 0x0f,
  COM_DELAYED_INSERT: 0x10,
  COM_CHANGE_USER: 0x11,
  COM_BINLOG_DUMP: 0x12,
  COM_TABLE_DUMP: 0x13,
  COM_CONNECT_OUT: 0x14,
  COM_REGISTER_SLAVE: 0x15,
  COM_STMT_PREPARE: 0x16,
  COM_STMT_EXECUTE: 0x17,
  COM_STMT_SEND_LONG_DATA: 0x18,
  COM_STMT_CLOSE: 0x19,
  COM_STMT_RESET: 0x1a,
  COM_SET_OPTION: 0x1b,
  COM_STMT_FETCH: 0x1c,
  COM_DAEMON: 0x1d,
  COM_BINLOG_DUMP_GTID: 0x1e,
  COM_RESET_CONNECTION: 0x1f,
  COM_STMT_BULK_EXECUTE: 0xfa,
} as const

/** The first byte of a server response that says what the packet is. */
export const ResponseHeader = {
  OK: 0x00,
  /** AuthMoreData during authentication. */
  AUTH_MORE_DATA: 0x01,
  /** LOCAL INFILE request: the server asks the client for a file of the client's. */
  LOCAL_INFILE: 0xfb,
  /** EOF, or AuthSwitchRequest during authentication. */
  EOF: 0xfe,
  ERR: 0xff,
} as const

/** caching_sha2_password's one-byte AuthMoreData answers to a scramble. */
export const CachingSha2Status = {
  fast_auth_success: 3,
  perform_full_authentication: 4,
} as const

/** Column types (enum_field_types), in ColumnDefinition41 and binary-protocol parameters. */
export const ColumnType = {
  MYSQL_TYPE_DECIMAL: 0,
  MYSQL_TYPE_TINY: 1,
  MYSQL_TYPE_SHORT: 2,
  MYSQL_TYPE_LONG: 3,
  MYSQL_TYPE_FLOAT: 4,
  MYSQL_TYPE_DOUBLE: 5,
  MYSQL_TYPE_NULL: 6,
  MYSQL_TYPE_TIMESTAMP: 7,
  MYSQL_TYPE_LONGLONG: 8,
  MYSQL_TYPE_INT24: 9,
  MYSQL_TYPE_DATE: 10,
  MYSQL_TYPE_TIME: 11,
  MYSQL_TYPE_DATETIME: 12,
  MYSQL_TYPE_YEAR: 13,
  MYSQL_TYPE_NEWDATE: 14,
  MYSQL_TYPE_VARCHAR: 15,
  MYSQL_TYPE_BIT: 16,
  MYSQL_TYPE_TIMESTAMP2: 17,
  MYSQL_TYPE_DATETIME2: 18,
  MYSQL_TYPE_TIME2: 19,
  MYSQL_TYPE_JSON: 245,
  MYSQL_TYPE_NEWDECIMAL: 246,
  MYSQL_TYPE_ENUM: 247,
  MYSQL_TYPE_SET: 248,
  MYSQL_TYPE_TINY_BLOB: 249,
  MYSQL_TYPE_MEDIUM_BLOB: 250,
  MYSQL_TYPE_LONG_BLOB: 251,
  MYSQL_TYPE_BLOB: 252,
  MYSQL_TYPE_VAR_STRING: 253,
  MYSQL_TYPE_STRING: 254,
  MYSQL_TYPE_GEOMETRY: 255,
} as const

/** Column definition flags that decoding depends on. */
export const ColumnFlag = {
  NOT_NULL_FLAG: 1,
  PRI_KEY_FLAG: 1 << 1,
  UNIQUE_KEY_FLAG: 1 << 2,
  BLOB_FLAG: 1 << 4,
  UNSIGNED_FLAG: 1 << 5,
  BINARY_FLAG: 1 << 7,
} as const

/** COM_SET_OPTION's argument. */
export const SetOption = {
  MYSQL_OPTION_MULTI_STATEMENTS_ON: 0,
  MYSQL_OPTION_MULTI_STATEMENTS_OFF: 1,
} as const

/** The character set number for utf8mb4_general_ci, what the gateway's own packets say they are in. */
export const UTF8MB4_GENERAL_CI = 45

/** Authentication plugins by the names the protocol sends. */
export const AuthPlugin = {
  mysql_native_password: 'mysql_native_password',
  caching_sha2_password: 'caching_sha2_password',
} as const

// Commands the gateway answers itself with an ERR instead of relaying, and why. Everything else in the
// command phase is either decided per statement (COM_QUERY, COM_STMT_PREPARE, COM_INIT_DB, COM_FIELD_LIST)
// or carries no statement (COM_PING, COM_QUIT, COM_STMT_EXECUTE/CLOSE/RESET of a decided statement).
import { refused, unknownCommand } from './errors.ts'
import { Command } from './wire/constants.ts'

const REFUSALS: Partial<Record<number, [string, string]>> = {
  [Command.COM_CHANGE_USER]: [
    'COM_CHANGE_USER',
    'a session belongs to the grant it logged in with; open a new connection to act as another user',
  ],
  [Command.COM_SET_OPTION]: [
    'COM_SET_OPTION',
    'several statements per query stay off until the gateway can decide each one; send them one at a time',
  ],
  [Command.COM_STMT_SEND_LONG_DATA]: [
    'COM_STMT_SEND_LONG_DATA',
    'parameters must travel in COM_STMT_EXECUTE, where the gateway records them',
  ],
  [Command.COM_STMT_BULK_EXECUTE]: ['COM_STMT_BULK_EXECUTE', 'execute the statement once per row'],
  [Command.COM_BINLOG_DUMP]: ['replication', 'the gateway serves sessions, not replicas'],
  [Command.COM_BINLOG_DUMP_GTID]: ['replication', 'the gateway serves sessions, not replicas'],
  [Command.COM_REGISTER_SLAVE]: ['replication', 'the gateway serves sessions, not replicas'],
  [Command.COM_SHUTDOWN]: ['COM_SHUTDOWN', 'the target is not shut down through the gateway'],
  [Command.COM_PROCESS_KILL]: ['COM_PROCESS_KILL', 'send KILL as a statement, which the gateway decides'],
  [Command.COM_CREATE_DB]: [
    'COM_CREATE_DB',
    'send CREATE DATABASE as a statement, which the gateway decides',
  ],
  [Command.COM_DROP_DB]: ['COM_DROP_DB', 'send DROP DATABASE as a statement, which the gateway decides'],
  [Command.COM_REFRESH]: ['COM_REFRESH', 'send FLUSH as a statement, which the gateway decides'],
  [Command.COM_DEBUG]: ['COM_DEBUG', 'it writes server state to the server log'],
}

/** Commands relayed without a statement to decide. */
const RELAYED = new Set<number>([
  Command.COM_QUIT,
  Command.COM_INIT_DB,
  Command.COM_QUERY,
  Command.COM_FIELD_LIST,
  Command.COM_STATISTICS,
  Command.COM_PING,
  Command.COM_STMT_PREPARE,
  Command.COM_STMT_EXECUTE,
  Command.COM_STMT_CLOSE,
  Command.COM_STMT_RESET,
  Command.COM_STMT_FETCH,
  Command.COM_RESET_CONNECTION,
])

/** The ERR payload for a command the gateway does not relay; undefined for one it does. */
export function refusalFor(command: number): Buffer | undefined {
  const refusal = REFUSALS[command]
  if (refusal) return refused(...refusal)
  return RELAYED.has(command) ? undefined : unknownCommand(command)
}

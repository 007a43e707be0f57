// The data-path client of each resource kind the MCP tools serve: one line per kind (data-path-client.ts).
// A kind missing here is still granted through request_access; its tools say to use the kind's own client.
import type { DataPathClientKind, DataPathTool } from '../data-path-client.ts'
import { mysqlClient } from './mysql.ts'
import { postgresClient } from './postgres.ts'
import { sshClient } from './ssh.ts'

const CLIENTS: readonly DataPathClientKind[] = [postgresClient, mysqlClient, sshClient]

export function dataPathClientFor(kind: string, tool: DataPathTool): DataPathClientKind | undefined {
  return CLIENTS.find((c) => c.kind === kind && c.tools.includes(tool))
}

/** The kinds `tool` serves, as named to a person, e.g. `PostgreSQL`. */
export function kindsServing(tool: DataPathTool): string[] {
  return CLIENTS.filter((c) => c.tools.includes(tool)).map((c) => c.label)
}

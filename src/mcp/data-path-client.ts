// How the MCP tools reach a resource: through that kind's own client, connected to the resource's taskgate
// listener with the grant's credential, so every action is classified, decided, held, masked and recorded
// exactly as the kind's usual client would have it. One module per kind in clients/, one line in
// clients/index.ts. A client reads taskgate's denials and holds as decision data (core's DecisionData, which
// each engine carries on its wire beside its human text), never by parsing the engine's messages; anything
// else is the target's own failure, classified by its protocol's code.

import type { Logger } from 'pino'
import type { DecisionData } from '../core/index.ts'
import type { DataPathCredential } from './control-plane.ts'
import type { DenialData } from './errors.ts'

/** The tools a kind's client may serve: `query` (SQL kinds), `exec` (a command on a server). */
export type DataPathTool = 'query' | 'exec'

export interface QueryCall {
  sql: string
  params?: unknown[]
  /** Rows kept of the last result; more are counted, not kept. */
  maxRows: number
}

export interface QueryRows {
  /** The command tag's verb: SELECT, INSERT, UPDATE, ... */
  command: string
  columns: Array<{ name: string; type: string }>
  rows: unknown[][]
  /** Rows the statement returned or changed, all of them (not only those returned). */
  rowCount: number
  truncated: boolean
}

export interface ExecCall {
  command: string
  /** Sent to the command's stdin, then closed (always closed: a command reading stdin does not hang). */
  stdin?: string
  /** The command is ended (its channel closed) after this long running. */
  timeoutSeconds: number
  /** Bytes kept of stdout and of stderr each; more are counted, not kept. */
  maxOutputBytes: number
}

export interface ExecOutput {
  stdout: string
  stderr: string
  /** The exit status, when the command exited (not with a signal, not timed out). */
  exitStatus?: number
  /** The signal that ended it, without SIG (`KILL`). */
  signal?: string
  /** stdout or stderr had more than maxOutputBytes. */
  truncated: boolean
  /** The timeout ended it. */
  timedOut: boolean
}

/** Called once when the gateway says it holds the action for a person, with the approval's id. */
export type OnHeld = (approvalId: string) => void

/** One open data-path connection under one grant credential, kept across tool calls. */
export interface DataPathClient {
  readonly closed: boolean
  /** Runs one statement (a kind serving `query`). Rejects with the kind's native error (see failure()). */
  query?(call: QueryCall, onHeld: OnHeld): Promise<QueryRows>
  /** Runs one command (a kind serving `exec`). Rejects with a denial as decision data (see failure()). */
  exec?(call: ExecCall, onHeld: OnHeld): Promise<ExecOutput>
  close(): Promise<void>
}

export interface DataPathClientKind {
  /** The resource kind (kinds/): `postgres`, `mysql`, ... */
  readonly kind: string
  /** How the kind is named to a person (`PostgreSQL`). */
  readonly label: string
  readonly tools: readonly DataPathTool[]
  open(credential: DataPathCredential, log: Logger): Promise<DataPathClient>
  /** What the client's rejection means: taskgate's decision when the error carries one, else the target's
   * or the connection's failure by code. */
  failure(error: unknown): DataPathFailure
}

export type DataPathFailure =
  | { kind: 'denied'; denial: DenialData }
  | { kind: 'approval-required'; rule: string; reason: string; approvalId?: string }
  | { kind: 'failed'; code: string; message: string; [key: string]: unknown }

/** A decision read off the wire, as the tools report it. */
export function decisionFailure(data: DecisionData): DataPathFailure {
  if (data.outcome === 'approve-first')
    return {
      kind: 'approval-required',
      rule: data.rule,
      reason: data.reason,
      ...(data.approvalId ? { approvalId: data.approvalId } : {}),
    }
  return {
    kind: 'denied',
    denial: {
      code: data.code,
      rule: data.rule,
      reason: data.reason,
      ...(data.missingScope ? { missingScope: data.missingScope } : {}),
      ...(data.requestHint ? { requestHint: data.requestHint } : {}),
    },
  }
}

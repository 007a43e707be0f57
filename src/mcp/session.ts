// One MCP session (one agent loop) for one principal: the grants it declared, their credentials (held
// here, never shown to the model), one data-path connection per grant, and statements waiting for an
// approver. Each public method is one tool and returns its MCP result; nothing here throws. Each call is
// written to the audit log once it has its result (tool-call-audit.ts), or, through REST (stdio), by the
// gateway as it serves the call's requests (rest-tool-call-audit.ts).
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { Logger } from 'pino'
import { dataPathClientFor, kindsServing } from './clients/index.ts'
import type { ApprovalView, ControlPlane, DataPathCredential, GrantView } from './control-plane.ts'
import type { DataPathClient, DataPathClientKind, DataPathTool, OnHeld } from './data-path-client.ts'
import { failureResult, invalidInput, toolError, toolResult } from './errors.ts'
import { POLL_MS, pollUntil, type ToolCallContext } from './poll-until.ts'
import type { AwaitApprovalInput, ExecInput, QueryInput, RequestAccessInput } from './schemas.ts'
import { type ToolName, toolCallRecord } from './tool-call-audit.ts'
import { dataPathResult, grantSummary, notActive, pendingStatement } from './tool-results.ts'

interface HeldStatement {
  approvalId: string
  result: Promise<object>
  /** The client kind that runs it: reads its failure. */
  kind: DataPathClientKind
}

interface GrantState {
  grant: GrantView
  credential?: DataPathCredential
  /** The kind's own client (clients/), connected on first use. */
  connection?: { client: DataPathClient; kind: DataPathClientKind }
  held?: HeldStatement
}

/** One action through the kind's client: what runs it, and how long the caller waits for a hold. */
interface DataPathCall {
  tool: DataPathTool
  run: (client: DataPathClient, onHeld: OnHeld) => Promise<object>
  approvalWaitSeconds: number
}

export class McpSession {
  readonly #plane: ControlPlane
  readonly #log: Logger
  readonly #grants = new Map<string, GrantState>()
  /** Names this MCP session in the audit log, so an auditor can group its tool calls. */
  readonly id = randomUUID()
  #closed = false
  /** Aborts every wait in progress when the MCP session closes. */
  readonly #closing = new AbortController()

  constructor(plane: ControlPlane, log: Logger) {
    this.#plane = plane
    this.#log = log
  }

  async listResources(): Promise<CallToolResult> {
    return this.#audited('list_resources', {}, () =>
      this.#guard(async () => toolResult({ resources: await this.#plane.listResources() })),
    )
  }

  async requestAccess(input: RequestAccessInput): Promise<CallToolResult> {
    return this.#audited('request_access', input, () => this.#requestAccess(input))
  }

  async awaitApproval(input: AwaitApprovalInput, toolCall: ToolCallContext): Promise<CallToolResult> {
    return this.#audited('await_approval', input, () => this.#awaitApproval(input, toolCall))
  }

  async query(input: QueryInput, toolCall: ToolCallContext): Promise<CallToolResult> {
    const used: { grantId?: string } = {}
    return this.#audited('query', input, () => this.#query(input, toolCall, used), used)
  }

  async exec(input: ExecInput, toolCall: ToolCallContext): Promise<CallToolResult> {
    const used: { grantId?: string } = {}
    return this.#audited('exec', input, () => this.#exec(input, toolCall, used), used)
  }

  async endTask(grantId: string): Promise<CallToolResult> {
    return this.#audited('end_task', { grantId }, () => this.#endTask(grantId))
  }

  async #requestAccess(input: RequestAccessInput): Promise<CallToolResult> {
    return this.#guard(async () => {
      const outcome = await this.#plane.requestGrant({
        resourceId: input.resource,
        ...(input.scope ? { scope: input.scope } : {}),
        ...(input.plan !== undefined ? { plan: input.plan } : {}),
        task: input.task,
        ...(input.ttl ? { ttl: input.ttl } : {}),
      })
      const { grant } = outcome
      if (grant.status === 'denied') {
        return toolError({
          code: 'TG_GRANT_DENIED',
          rule: 'policy',
          reason: grant.decisionReason ?? 'denied by policy',
          allowed: outcome.allowed ?? [],
          requestHint: 'Call request_access again with a scope inside `allowed`.',
        })
      }
      this.#grants.set(grant.id, {
        grant,
        ...(outcome.credential ? { credential: outcome.credential } : {}),
      })
      // The approver sees the same evidence: the agent learns what made its request look unusual.
      const evidence = outcome.evidence?.signals.length ? { evidence: outcome.evidence } : {}
      return toolResult({ ...grantSummary(grant), ...evidence })
    })
  }

  async #awaitApproval(input: AwaitApprovalInput, toolCall: ToolCallContext): Promise<CallToolResult> {
    const call = this.#bound(toolCall)
    if (!input.approvalId === !input.grantId)
      return invalidInput('Give exactly one of approvalId or grantId.')
    return this.#guard(async () => {
      const deadline = Date.now() + input.waitSeconds * 1000
      if (input.grantId) return this.#awaitGrant(input.grantId, deadline, call)
      const approvalId = input.approvalId as string
      const held = this.#heldStatement(approvalId)
      if (held) return this.#awaitHeld(held.state, held.statement, deadline, call)
      const approval = await this.#plane.getApproval(approvalId)
      if (approval.subject === 'grant') return this.#awaitGrant(approval.grantId, deadline, call)
      return this.#awaitActionApproval(approvalId, deadline, call)
    })
  }

  async #query(
    input: QueryInput,
    toolCall: ToolCallContext,
    used: { grantId?: string },
  ): Promise<CallToolResult> {
    return this.#onDataPath(input, toolCall, used, {
      tool: 'query',
      run: (client, onHeld) => {
        if (!client.query) throw new TypeError('the client registered for query has no query()')
        return client.query({ sql: input.sql, params: input.params, maxRows: input.maxRows }, onHeld)
      },
      approvalWaitSeconds: input.approvalWaitSeconds,
    })
  }

  async #exec(input: ExecInput, toolCall: ToolCallContext, used: { grantId?: string }) {
    return this.#onDataPath(input, toolCall, used, {
      tool: 'exec',
      run: (client, onHeld) => {
        if (!client.exec) throw new TypeError('the client registered for exec has no exec()')
        const { command, stdin, timeoutSeconds, maxOutputBytes } = input
        return client.exec(
          { command, timeoutSeconds, maxOutputBytes, ...(stdin !== undefined ? { stdin } : {}) },
          onHeld,
        )
      },
      approvalWaitSeconds: input.approvalWaitSeconds,
    })
  }

  /** A data-path tool on the grant `input` names (or this session's latest on `input.resource`). */
  async #onDataPath(
    input: { grantId?: string; resource?: string },
    toolCall: ToolCallContext,
    used: { grantId?: string },
    dataPath: DataPathCall,
  ): Promise<CallToolResult> {
    const call = this.#bound(toolCall)
    if (!input.grantId === !input.resource) return invalidInput('Give exactly one of grantId or resource.')
    return this.#guard(async () => {
      const state = input.grantId ? await this.#grantState(input.grantId) : this.#latestFor(input.resource!)
      if (!state)
        return toolError({
          code: 'TG_GRANT_NOT_ACTIVE',
          message: `This session holds no active grant on resource "${input.resource}"; call request_access first (list_resources shows what you may ask for).`,
        })
      used.grantId = state.grant.id
      if (state.held)
        return toolError({
          code: 'TG_CONFLICT',
          message: `A statement on grant ${state.grant.id} waits for approval ${state.held.approvalId}; call await_approval with that approvalId first.`,
        })
      if (!state.credential) return toolError(notActive(state.grant))
      // Each kind's listener speaks its own protocol: only that kind's client may talk to it.
      const kind = state.credential.connection.kind ?? 'postgres'
      const clientKind = dataPathClientFor(kind, dataPath.tool)
      if (!clientKind)
        return invalidInput(
          `The ${dataPath.tool} tool serves ${kindsServing(dataPath.tool).join(' and ') || 'no'} resources; ${state.grant.resourceId} is a ${kind} resource: connect with its own client (taskgate connect ${state.grant.id}).`,
        )
      let client: DataPathClient
      try {
        client = await this.#connect(state, clientKind)
      } catch (error) {
        return dataPathResult(clientKind.failure(error), state.grant.resourceId)
      }
      return this.#run(state, { client, kind: clientKind }, dataPath, call)
    })
  }

  async #endTask(grantId: string): Promise<CallToolResult> {
    return this.#guard(async () => {
      const state = this.#grants.get(grantId)
      this.#grants.delete(grantId)
      await state?.connection?.client.close()
      const grant = await this.#plane.endGrant(grantId)
      return toolResult({
        grantId: grant.id,
        status: grant.status,
        endReason: grant.endReason ?? 'completed',
      })
    })
  }

  /** Closes every data-path connection (the MCP session ended); grants stay until they end or expire. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#closing.abort()
    const states = [...this.#grants.values()]
    this.#grants.clear()
    await Promise.all(states.map((s) => s.connection?.client.close()))
  }

  async #run(
    state: GrantState,
    { client, kind }: { client: DataPathClient; kind: DataPathClientKind },
    dataPath: DataPathCall,
    call: ToolCallContext,
  ): Promise<CallToolResult> {
    let onHeld!: OnHeld
    const heldSignal = new Promise<string>((resolve) => {
      onHeld = resolve
    })
    const result = dataPath.run(client, onHeld)
    result.catch(() => {}) // observed below or through await_approval
    const first = await Promise.race([
      result.then(
        () => undefined,
        () => undefined,
      ),
      heldSignal,
    ])
    if (first === undefined) return this.#settled(state, result, kind)
    // The gateway holds the statement for a human: wait a little, then hand the wait to await_approval.
    const statement: HeldStatement = { approvalId: first, result, kind }
    state.held = statement
    return this.#awaitHeld(state, statement, Date.now() + dataPath.approvalWaitSeconds * 1000, call)
  }

  async #awaitHeld(
    state: GrantState,
    statement: HeldStatement,
    deadline: number,
    call: ToolCallContext,
  ): Promise<CallToolResult> {
    const settled = statement.result.then(
      () => true,
      () => true,
    )
    const done = await pollUntil(deadline, call, 'waiting for an approver', () =>
      Promise.race([settled, sleep(POLL_MS).then(() => false)]),
    )
    if (!done) return toolResult(pendingStatement(statement.approvalId))
    state.held = undefined
    return this.#settled(state, statement.result, statement.kind)
  }

  async #settled(
    state: GrantState,
    result: Promise<object>,
    kind: DataPathClientKind,
  ): Promise<CallToolResult> {
    try {
      return toolResult({ ...(await result) })
    } catch (error) {
      if (state.connection?.client.closed) state.connection = undefined
      return dataPathResult(kind.failure(error), state.grant.resourceId)
    }
  }

  async #awaitGrant(grantId: string, deadline: number, call: ToolCallContext): Promise<CallToolResult> {
    let grant!: GrantView
    // pollUntil checks at least once, so `grant` is always read.
    await pollUntil(deadline, call, 'waiting for an approver to decide the grant', async () => {
      grant = await this.#plane.getGrant(grantId)
      return grant.status !== 'pending'
    })
    if (grant.status === 'denied')
      return toolError({
        code: 'TG_GRANT_DENIED',
        rule: 'approval',
        reason: grant.decisionReason ?? 'an approver denied the request',
        requestHint: 'Call request_access with a narrower scope or a clearer task, or ask the approver.',
      })
    if (grant.status === 'active') {
      const state = this.#grants.get(grantId) ?? { grant }
      state.grant = grant
      state.credential ??= await this.#plane.issueCredential(grantId)
      this.#grants.set(grantId, state)
    }
    return toolResult(grantSummary(grant))
  }

  async #awaitActionApproval(approvalId: string, deadline: number, call: ToolCallContext) {
    let approval!: ApprovalView
    await pollUntil(deadline, call, 'waiting for an approver to decide the statement', async () => {
      approval = await this.#plane.getApproval(approvalId)
      return approval.status !== 'pending'
    })
    if (approval.status === 'cancelled')
      return toolError({
        code: 'TG_APPROVAL_CANCELLED',
        rule: 'approval',
        reason: `Cancelled${approval.decisionReason ? `: ${approval.decisionReason}` : ''}; the statement was not run. Call request_access for a new grant.`,
      })
    if (approval.status === 'denied' || approval.status === 'expired')
      return toolError({
        code: approval.status === 'denied' ? 'TG_APPROVAL_DENIED' : 'TG_APPROVAL_TIMEOUT',
        rule: 'approval',
        reason:
          approval.status === 'denied'
            ? `Denied by ${approval.decidedByName ?? 'an approver'}${approval.decisionReason ? `: ${approval.decisionReason}` : ''}.`
            : 'No approver decided in time; the statement was not run.',
      })
    return toolResult({
      approvalId,
      status: approval.status,
      ...(approval.status === 'approved'
        ? { next: 'Run exactly the same statement again with query; the approval applies to it once.' }
        : { next: 'Still waiting for an approver; call await_approval again.' }),
    })
  }

  async #grantState(grantId: string): Promise<GrantState | undefined> {
    const known = this.#grants.get(grantId)
    if (known?.credential) return known
    // A grant declared elsewhere (CLI, another session): the owner may use it here.
    const grant = await this.#plane.getGrant(grantId)
    if (grant.status !== 'active') return known ?? { grant }
    const state: GrantState = { grant, credential: await this.#plane.issueCredential(grantId) }
    this.#grants.set(grantId, state)
    return state
  }

  #latestFor(resourceId: string): GrantState | undefined {
    return [...this.#grants.values()].findLast((s) => s.grant.resourceId === resourceId && s.credential)
  }

  #heldStatement(approvalId: string): { state: GrantState; statement: HeldStatement } | undefined {
    for (const state of this.#grants.values())
      if (state.held?.approvalId === approvalId) return { state, statement: state.held }
    return undefined
  }

  async #connect(state: GrantState, kind: DataPathClientKind): Promise<DataPathClient> {
    if (state.connection && !state.connection.client.closed) return state.connection.client
    if (!state.credential) throw notActive(state.grant)
    const client = await kind.open(state.credential, this.#log.child({ grantId: state.grant.id }))
    state.connection = { client, kind }
    return client
  }

  #bound(call: ToolCallContext): ToolCallContext {
    return { ...call, signal: AbortSignal.any([call.signal, this.#closing.signal]) }
  }

  /** Runs one tool and writes it to the audit log; a failed audit write is logged, the result still returned
   * (the call already happened; core's own events for it are written regardless). */
  async #audited(
    tool: ToolName,
    input: Record<string, unknown>,
    run: () => Promise<CallToolResult>,
    used: { grantId?: string } = {},
  ): Promise<CallToolResult> {
    const result = this.#plane.withinToolCall
      ? await this.#plane.withinToolCall({ tool, mcpSession: this.id, callId: randomUUID() }, run)
      : await run()
    if (!this.#plane.recordToolCall) return result
    const record = toolCallRecord(tool, this.id, input, result, used.grantId)
    await this.#plane.recordToolCall(record).catch((error: unknown) => {
      this.#log.error({ err: error, tool }, 'could not audit an MCP tool call')
    })
    return result
  }

  async #guard(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
    try {
      return await run()
    } catch (error) {
      return failureResult(error, (ref, cause) =>
        this.#log.error({ err: cause, ref }, 'MCP tool call failed'),
      )
    }
  }
}

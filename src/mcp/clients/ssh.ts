// The SSH data-path client of the MCP tools (`exec`): an ssh2 connection to the resource's own taskgate
// listener with the grant's credential as the password, so every command is classified, decided, held,
// recorded and relayed exactly as OpenSSH's `ssh host cmd` would be. Each command asks (an `env` request the
// gateway consumes, protocols/ssh/decision-data.ts) for taskgate's decisions as data on stderr;
// ssh-output.ts reads them. One connection per grant, kept across tool calls; one channel per command.
import type { Logger } from 'pino'
import type { Client, ClientChannel } from 'ssh2'
import type { DecisionData } from '../../core/index.ts'
import type { DataPathCredential } from '../control-plane.ts'
import {
  type DataPathClient,
  type DataPathClientKind,
  type DataPathFailure,
  decisionFailure,
  type ExecCall,
  type ExecOutput,
  type OnHeld,
} from '../data-path-client.ts'
import { BoundedText, StderrReader } from './ssh-output.ts'

const READY_TIMEOUT_MS = 10_000
/** protocols/ssh/decision-data.ts DECISION_DATA_ENV (mcp may not import protocols). */
const DECISION_DATA_ENV = 'TASKGATE_DECISION_DATA'
/** The exit status the engine gives a refused command (protocols/ssh/messages.ts). */
const DENIED_EXIT_STATUS = 126

export const sshClient: DataPathClientKind = {
  kind: 'ssh',
  label: 'SSH',
  tools: ['exec'],
  open: (credential, log) => SshDataPathClient.open(credential, log),
  failure: sshFailure,
}

/** The key blob of an OpenSSH public key line (`ssh-ed25519 AAAA… [comment]`), or undefined. */
export function hostKeyBlob(line: string | undefined): Buffer | undefined {
  const encoded = line?.trim().split(/\s+/)[1]
  if (!encoded || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined
  const blob = Buffer.from(encoded, 'base64')
  return blob.length > 0 ? blob : undefined
}

/** A refusal the gateway sent as decision data. */
export class DecisionRefusal extends Error {
  readonly data: DecisionData
  constructor(data: DecisionData) {
    super(data.reason)
    this.data = data
  }
}

export class SshDataPathClient implements DataPathClient {
  readonly #client: Client
  #closed = false

  private constructor(client: Client, log: Logger) {
    this.#client = client
    // Without an error listener a connection the gateway closes would take the process down.
    client.on('error', (error: Error) => {
      log.debug({ err: error.message }, 'data path connection failed')
      this.#closed = true
    })
    client.on('close', () => {
      this.#closed = true
    })
  }

  static async open(credential: DataPathCredential, log: Logger): Promise<SshDataPathClient> {
    // Loaded on first use: a gateway that serves no SSH resource never pays for ssh2 at start.
    const { Client } = await import('ssh2')
    const client = new Client()
    const opened = new SshDataPathClient(client, log)
    const { host, port, user, password, hostKey } = credential.connection
    // Fail closed: the listener must show the host key the control plane issued the credential with.
    const pinned = hostKeyBlob(hostKey)
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve)
      client.once('error', reject)
      client.connect({
        host,
        port,
        username: user,
        password,
        readyTimeout: READY_TIMEOUT_MS,
        hostVerifier: (key: Buffer) => pinned !== undefined && key.equals(pinned),
      })
    }).catch((error: unknown) => {
      opened.#closed = true
      client.end()
      throw error
    })
    return opened
  }

  get closed(): boolean {
    return this.#closed
  }

  exec(call: ExecCall, onHeld: OnHeld): Promise<ExecOutput> {
    return new Promise<ExecOutput>((resolve, reject) => {
      this.#client.exec(call.command, { env: { [DECISION_DATA_ENV]: '1' } }, (error, channel) => {
        if (error) return reject(error)
        collect(channel, call, onHeld).then(resolve, reject)
      })
    })
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#client.end()
  }
}

/** Runs the channel to its close: output bounded, decision lines read, the timeout paused while held. */
function collect(channel: ClientChannel, call: ExecCall, onHeld: OnHeld): Promise<ExecOutput> {
  const stdout = new BoundedText(call.maxOutputBytes)
  let refusal: DecisionData | undefined
  let timedOut = false
  let timer: NodeJS.Timeout | undefined
  const start = () => {
    timer = setTimeout(() => {
      timedOut = true
      channel.signal('KILL')
      channel.close()
    }, call.timeoutSeconds * 1000)
  }
  const stderr = new StderrReader(call.maxOutputBytes, (data) => {
    if (data.outcome === 'approve-first' && data.approvalId) {
      // Waiting for a person is not the command's running time: the timeout counts once it runs.
      // (restarted by its first output once approved).
      clearTimeout(timer)
      timer = undefined
      onHeld(data.approvalId)
      return
    }
    refusal = data
  })
  let exit: { code?: number; signal?: string } = {}
  channel.on('data', (chunk: Buffer) => {
    if (timer === undefined) start()
    stdout.add(chunk)
  })
  channel.stderr.on('data', (chunk: Buffer) => {
    stderr.add(chunk)
    if (timer === undefined && !refusal) start()
  })
  channel.on('exit', (code: number | null, signal?: string) => {
    exit =
      code !== null && code !== undefined ? { code } : signal ? { signal: signal.replace(/^SIG/, '') } : {}
  })
  start()
  if (call.stdin !== undefined) channel.write(call.stdin)
  channel.end()
  return new Promise((resolve, reject) => {
    channel.on('close', () => {
      clearTimeout(timer)
      stderr.end()
      if (refusal && exit.code === DENIED_EXIT_STATUS) return reject(new DecisionRefusal(refusal))
      resolve({
        stdout: stdout.text(),
        stderr: stderr.text.text(),
        ...(exit.code !== undefined ? { exitStatus: exit.code } : {}),
        ...(exit.signal ? { signal: exit.signal } : {}),
        truncated: stdout.truncated || stderr.text.truncated,
        timedOut,
      })
    })
  })
}

export function sshFailure(error: unknown): DataPathFailure {
  if (error instanceof DecisionRefusal) return decisionFailure(error.data)
  const e = (error ?? {}) as { level?: string; code?: string; message?: string }
  // ssh2 says `client-authentication` when the listener refused the password: the credential is gone.
  if (e.level === 'client-authentication')
    return {
      kind: 'failed',
      code: 'TG_GRANT_NOT_ACTIVE',
      message:
        'The grant credential no longer works (the grant ended, expired or was revoked); request a new grant with request_access.',
    }
  return {
    kind: 'failed',
    code: 'TG_UPSTREAM_UNAVAILABLE',
    message: `The resource's taskgate listener cannot be reached or closed the connection (${e.code ?? e.message ?? 'connection failed'}); try again later.`,
  }
}

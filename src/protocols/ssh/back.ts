// The gateway's SSH client to the target (ssh2): the host key checked against the configured one (a
// mismatch refuses the session with TG_UPSTREAM_HOST_KEY_MISMATCH), then a login as the session's user
// with a certificate minted for this session by the gateway CA (valid until the grant ends), or with the
// configured key. Never falls back from a certificate to anything else: a refused certificate is an error.
import { Client, type ClientChannel } from 'ssh2'
import { TaskgateError } from '../../core/index.ts'
import type { Ed25519Key } from '../../kinds/ssh-keys.ts'
import { CERT_TYPE, mintUserCertificate } from './certificate.ts'
import type { HostKeyCheck } from './host-keys.ts'
import { certificateKey } from './vendor/ssh2-cert-auth.ts'

export type UpstreamAuth = { kind: 'certificate'; ca: Ed25519Key } | { kind: 'key'; privateKey: string }

export interface UpstreamTarget {
  host: string
  port: number
  hostKeys: HostKeyCheck
  auth: UpstreamAuth
}

export interface UpstreamLogin {
  login: string
  grantId: string
  grantEndsAt: Date
  now: Date
  permitPortForwarding: boolean
}

const READY_TIMEOUT_MS = 15_000
const KEEPALIVE_MS = 15_000
/** Attempts after the first when the target drops a connection before its login (see connectUpstream). */
const RETRIES = 4
const FIRST_BACKOFF_MS = 200

/** Logs in to the target, again after a short backoff (200 ms, doubling, four times at most, never past
 * the grant's end) when the connection failed before any login was tried: refused, reset or dropped during
 * the handshake, which is how a busy sshd sheds load (MaxStartups drops unauthenticated connections at
 * random) and what a restarting target does. A refused login or host key is never retried. */
export async function connectUpstream(target: UpstreamTarget, login: UpstreamLogin): Promise<Client> {
  let backoff = FIRST_BACKOFF_MS
  const startedAt = Date.now()
  for (let attempt = 0; ; attempt++) {
    try {
      // A later attempt's certificate starts later too (validity is checked against the clock given).
      const now = new Date(login.now.getTime() + Date.now() - startedAt)
      return await connectOnce(target, { ...login, now })
    } catch (error) {
      const transient = error instanceof UpstreamDropped
      if (!transient || attempt >= RETRIES || Date.now() + backoff >= login.grantEndsAt.getTime())
        throw transient ? error.failure : error
      await new Promise((resolve) => setTimeout(resolve, backoff))
      backoff *= 2
    }
  }
}

/** The target went away before the gateway could try its login: worth another attempt. */
class UpstreamDropped extends Error {
  readonly failure: TaskgateError
  constructor(failure: TaskgateError) {
    super(failure.message)
    this.failure = failure
  }
}

/** ssh2's errors for a connection that ended before the key exchange finished: refused, reset, closed
 * before the version line (MaxStartups), or no answer within the ready timeout. */
const DROPPED =
  /ECONNREFUSED|ECONNRESET|EPIPE|Connection lost before handshake|Timed out while waiting for handshake/

function connectOnce(target: UpstreamTarget, login: UpstreamLogin): Promise<Client> {
  const key =
    target.auth.kind === 'certificate' ? certificateFor(target.auth.ca, login) : target.auth.privateKey
  const client = new Client()
  let hostKeyRefused = false
  let handshaken = false
  client.once('handshake', () => {
    handshaken = true
  })
  return new Promise((resolve, reject) => {
    let settled = false
    client.once('ready', () => {
      settled = true
      resolve(client)
    })
    // Never `once`: ssh2 can emit several errors, and one unlistened would crash the gateway.
    client.on('error', (error: Error & { level?: string }) => {
      if (settled) return
      settled = true
      client.end()
      if (hostKeyRefused)
        return reject(
          new TaskgateError('TG_UPSTREAM_HOST_KEY_MISMATCH', { detail: `${target.host}:${target.port}` }),
        )
      const refused = error.level === 'client-authentication'
      const failure = new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
        ...(refused ? { message: `the target refused the gateway's login as ${login.login}` } : {}),
        detail: error.message,
        cause: error,
      })
      const dropped =
        !refused && (!handshaken || error.level === 'client-timeout') && DROPPED.test(error.message)
      reject(dropped ? new UpstreamDropped(failure) : failure)
    })
    client.connect({
      host: target.host,
      port: target.port,
      username: login.login,
      readyTimeout: READY_TIMEOUT_MS,
      keepaliveInterval: KEEPALIVE_MS,
      keepaliveCountMax: 3,
      ...(target.hostKeys.algorithms
        ? { algorithms: { serverHostKey: target.hostKeys.algorithms as never } }
        : {}),
      hostVerifier: (blob: Buffer) => {
        const accepted = target.hostKeys.accepts(blob)
        if (!accepted) hostKeyRefused = true
        return accepted
      },
      // One method only: a refused certificate must not fall back to a password or another key.
      authHandler: [{ type: 'publickey', username: login.login, key } as never],
    })
    // ssh2 leaves Nagle's algorithm on: the login's small packets sent back to back (NEWKEYS, then the
    // service request) wait for the target's delayed ACK, ~40 ms on Linux, and so does a channel request
    // that follows a packet the target does not answer. Every session's first command paid it.
    client.setNoDelay(true)
  })
}

function certificateFor(ca: Ed25519Key, login: UpstreamLogin): unknown {
  const minted = mintUserCertificate({
    ca,
    login: login.login,
    keyId: login.grantId,
    now: login.now,
    validBefore: login.grantEndsAt,
    permitPortForwarding: login.permitPortForwarding,
  })
  return certificateKey(minted.privateKey, minted.certificate, CERT_TYPE)
}

/** How the target said a command ended: exit-status, or exit-signal (name without `SIG`). */
export interface UpstreamExit {
  code: number | null
  signal?: string
  dump?: boolean
  desc?: string
}

/** The exit of every upstream channel, kept from the moment ssh2 hands the channel over: the target's
 * exit-status can arrive in the same read as the exec's success, so ssh2 emits 'exit' before the promise
 * below is even resolved, and a listener attached after an await would never see it. */
const exits = new WeakMap<ClientChannel, UpstreamExit>()

export function upstreamExit(channel: ClientChannel): UpstreamExit | undefined {
  return exits.get(channel)
}

function keepExit(channel: ClientChannel): ClientChannel {
  channel.on('exit', (code: number | null, signal?: string, dump?: boolean, desc?: string) => {
    exits.set(channel, {
      code,
      ...(signal ? { signal: signal.replace(/^SIG/, '') } : {}),
      ...(dump ? { dump } : {}),
      ...(desc ? { desc } : {}),
    })
  })
  return channel
}

/** ssh2's exec/shell as promises. */
export function openExec(
  client: Client,
  command: string,
  options: { pty?: PtyRequest | undefined; env: Record<string, string> },
): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.exec(
      command,
      { env: options.env, ...(options.pty ? { pty: options.pty } : {}) },
      (error, channel) => (error ? reject(error) : resolve(keepExit(channel))),
    ),
  )
}

export function openShell(
  client: Client,
  options: { pty?: PtyRequest | undefined; env: Record<string, string> },
): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.shell(options.pty ?? false, { env: options.env }, (error, channel) =>
      error ? reject(error) : resolve(keepExit(channel)),
    ),
  )
}

export interface PtyRequest {
  term: string
  rows: number
  cols: number
  width: number
  height: number
  modes: Record<string, number>
}

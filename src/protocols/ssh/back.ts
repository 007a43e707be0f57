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

export function connectUpstream(target: UpstreamTarget, login: UpstreamLogin): Promise<Client> {
  const key =
    target.auth.kind === 'certificate' ? certificateFor(target.auth.ca, login) : target.auth.privateKey
  const client = new Client()
  let hostKeyRefused = false
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
      reject(
        new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
          ...(refused ? { message: `the target refused the gateway's login as ${login.login}` } : {}),
          detail: error.message,
          cause: error,
        }),
      )
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
      (error, channel) => (error ? reject(error) : resolve(channel)),
    ),
  )
}

export function openShell(
  client: Client,
  options: { pty?: PtyRequest | undefined; env: Record<string, string> },
): Promise<ClientChannel> {
  return new Promise((resolve, reject) =>
    client.shell(options.pty ?? false, { env: options.env }, (error, channel) =>
      error ? reject(error) : resolve(channel),
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

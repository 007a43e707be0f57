// One `session` channel of a client: its pty and environment requests are kept for the exec or shell that
// follows; exec, shell and the sftp subsystem are accepted synchronously (ssh2 needs that: a deferred
// accept loses a client's early EOF, STACK.md) and then decided; agent and X11 forwarding and other
// subsystems are refused (and recorded); window changes and signals go to the running exec or shell.
import type { Logger } from 'pino'
import type { ServerChannel, Session } from 'ssh2'
import type { PtyRequest } from './back.ts'
import { DECISION_DATA_ENV } from './decision-data.ts'
import type { Controls } from './relay-channel.ts'
import { runExec } from './relay-exec.ts'
import { runShell } from './relay-shell.ts'
import type { SessionContext } from './session-context.ts'
import { runSftp } from './sftp/relay-sftp.ts'

/** Most environment variables one channel may pass on (each as sent; sshd's AcceptEnv filters them). */
const MAX_ENV = 64
/** The variables an `env` request may set: locale and time zone (OpenSSH's own SendEnv default). Anything
 * else is an environment assignment the command was not decided with (BASH_ENV, LD_PRELOAD, PATH run code
 * a command scope never named), whatever the target's AcceptEnv would let through. */
const PASSED_ENV = /^(LANG|LANGUAGE|LC_[A-Z_]+|TZ)$/
/** A locale or zone name, not a path: gettext and glibc build file paths from these (`LANGUAGE=../../tmp/x`
 * loads a catalog the client wrote with sftp), and TZ=/path reads a zone file of the client's choosing. */
const PASSED_VALUE = /^[A-Za-z0-9_.@+:,<>-]{0,100}$/
const PASSED_TZ = /^:?[A-Za-z0-9_+-][A-Za-z0-9_.+,<>:-]*(?:\/[A-Za-z0-9_+-][A-Za-z0-9_.+-]*){0,3}$/
const passedValue = (key: string, value: string): boolean =>
  value.length <= 100 && !value.includes('..') && (key === 'TZ' ? PASSED_TZ : PASSED_VALUE).test(value)

/** Serves `channel` once the connection's core session is open (`ready`; undefined: it was refused). */
export function serveSessionChannel(
  ready: Promise<{ session: SessionContext } | undefined>,
  channel: Session,
  logger: Logger,
): void {
  let pty: PtyRequest | undefined
  const env: Record<string, string> = {}
  let controls: Controls | undefined
  let started = false
  /** The client asked for decisions as data (decision-data.ts); consumed here, never forwarded. */
  let decisionData = false
  const fail = (error: unknown) => logger.error({ err: String(error) }, 'channel relay failed')
  const refused = (kind: string, reason: string, rule = 'ssh-forwarding') =>
    void ready.then((opened) =>
      opened?.session.core.recordAction(opened.session.handle, {
        kind,
        text: kind,
        outcome: 'deny',
        rule,
        reason,
      }),
    )
  /** Runs `run` with the session, or ends the channel when the session could not be opened. */
  const withSession = (stream: ServerChannel, run: (session: SessionContext) => Promise<void>) =>
    ready
      .then((opened) => {
        if (opened) return run(opened.session)
        stream.stderr.write('taskgate: the session could not be opened\r\n')
        stream.exit(1)
        stream.end()
      })
      .catch(fail)

  channel.on('pty', (accept, _reject, info) => {
    pty = {
      term: info.term,
      rows: info.rows,
      cols: info.cols,
      width: info.width,
      height: info.height,
      modes: info.modes as Record<string, number>,
    }
    accept?.()
  })
  channel.on('env', (accept, reject, info) => {
    if (info.key === DECISION_DATA_ENV) {
      decisionData = info.val === '1'
      return accept?.()
    }
    if (Object.keys(env).length >= MAX_ENV) return reject?.()
    if (!PASSED_ENV.test(info.key)) {
      refused(`env ${info.key.slice(0, 64)}`, 'only LANG, LC_* and TZ are passed on', 'ssh-environment')
      return reject?.()
    }
    if (!passedValue(info.key, info.val)) {
      refused(`env ${info.key}`, `${info.key} is not a locale or zone name`, 'ssh-environment')
      return reject?.()
    }
    env[info.key] = info.val
    accept?.()
  })
  channel.on('window-change', (accept, _reject, info) => {
    if (pty) pty = { ...pty, cols: info.cols, rows: info.rows, width: info.width, height: info.height }
    controls?.resize(info.cols, info.rows, info.width, info.height)
    accept?.()
  })
  channel.on('signal', (accept, _reject, info) => {
    controls?.signal(info.name)
    accept?.()
  })
  channel.on('x11', (_accept, reject) => {
    refused('x11-forwarding', 'X11 forwarding is never relayed')
    reject?.()
  })
  channel.on('auth-agent', (_accept, reject) => {
    refused('agent-forwarding', 'agent forwarding is never relayed: the target would use the client keys')
    reject?.()
  })
  channel.on('exec', (accept, reject, info) => {
    if (started) return reject?.()
    started = true
    const stream = accept()
    withSession(stream, (session) =>
      runExec(session, stream, { command: info.command, pty, env, decisionData }, (c) => {
        controls = c
      }),
    )
  })
  channel.on('shell', (accept, reject) => {
    if (started) return reject?.()
    started = true
    const stream = accept()
    withSession(stream, (session) =>
      runShell(session, stream, { pty, env }, (c) => {
        controls = c
      }),
    )
  })
  channel.on('sftp', (accept, reject) => {
    if (started) return reject?.()
    started = true
    runSftp(
      ready.then((opened) => opened?.session),
      accept(),
    ).catch(fail)
  })
  channel.on('subsystem', (_accept, reject, info) => {
    refused(`subsystem ${info.name}`, 'only the sftp subsystem is relayed')
    reject?.()
  })
}

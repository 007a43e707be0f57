// The SSH engine for one resource, on the stream kit: the listener hands each raw socket to an ssh2 server
// (the gateway's stable host key), front-auth.ts proves the grant credential and picks the login,
// connection.ts opens the core session and the upstream connection (back.ts: the target's host key checked,
// a per-session certificate from the gateway CA or the configured key) and relays channels decided by
// core through the kit's action gate, recording them under store.dir/recordings/ssh/.
import { writeFile } from 'node:fs/promises'
import type net from 'node:net'
import { join } from 'node:path'
import type { Logger } from 'pino'
import ssh2, { type Connection, type Server } from 'ssh2'
import type { SecretRef, SshResourceConfig } from '../../config/schema.ts'
import type { Core } from '../../core/index.ts'
import { StreamListener } from '../kit/stream-listener.ts'
import type { ProtocolServer } from '../protocol-server.ts'
import type { UpstreamAuth, UpstreamTarget } from './back.ts'
import { serveConnection } from './connection.ts'
import { authenticateClient } from './front-auth.ts'
import { loadKeyText, loadUserCa, publicLineOf } from './gateway-keys.ts'
import { hostKeyCheck } from './host-keys.ts'
import { chooseLogin } from './login-name.ts'
import { sshPlanStatements } from './plan.ts'
import { sshReclassifier } from './replay.ts'

export interface SshServerOptions {
  core: Core
  resource: SshResourceConfig
  logger: Logger
  resolveSecret: (ref: SecretRef, where: string) => Promise<string>
  reusePort?: boolean
}

/** The gateway's SSH public keys, for `taskgate resources` and the target's TrustedUserCAKeys. */
export interface SshPublicKeys {
  hostKey: string
  userCa?: string
}

const KEEPALIVE_MS = 15_000

export function createSshServer(options: SshServerOptions): ProtocolServer & { publicKeys(): SshPublicKeys } {
  const { core, resource, logger } = options
  const sshDir = join(core.config.store.dir, 'ssh')
  const recordingsDir = join(core.config.store.dir, 'recordings', 'ssh')
  let server: Server | undefined
  let target: UpstreamTarget | undefined
  let keys: SshPublicKeys | undefined
  const sockets = new WeakMap<object, (connection: Connection, info: { ip: string }) => void>()

  async function serve(
    raw: net.Socket,
    live: Parameters<ConstructorParameters<typeof StreamListener>[0]['serve']>[1],
  ) {
    const client = `${raw.remoteAddress}:${raw.remotePort}`
    const connection = await new Promise<Connection | undefined>((resolve) => {
      sockets.set(raw, (c) => resolve(c))
      raw.once('close', () => resolve(undefined))
      server!.injectSocket(raw)
    })
    if (!connection) return
    connection.on('error', (error) => logger.debug({ err: error.message }, 'client connection error'))
    const authenticated = await authenticateClient(connection, {
      core,
      resourceId: resource.id,
      client,
      chooseLogin: (context, named) => chooseLogin(named, context.grant.scope, resource.logins),
    })
    if (!authenticated) return
    await serveConnection(connection, authenticated.context, authenticated.login, {
      core,
      logger,
      target: target!,
      recordingsDir,
      maxRecordingBytes: resource.recording.maxBytes,
      client,
      live,
    })
  }

  const listener = new StreamListener({
    listen: resource.listen,
    ...(options.reusePort ? { reusePort: true } : {}),
    logger,
    serve,
  })

  return {
    name: `ssh:${resource.id}`,
    publicKeys: () => keys ?? { hostKey: '' },
    async listen() {
      core.registerReclassifier('ssh', sshReclassifier)
      core.registerPlanner('ssh', sshPlanStatements)
      const hostKeyText = await loadKeyText({
        ref: resource.hostKey,
        file: join(sshDir, 'host_ed25519'),
        where: `resources.${resource.id}.hostKey`,
        resolveSecret: options.resolveSecret,
      })
      const auth = await upstreamAuth(options, sshDir)
      keys = {
        hostKey: publicLineOf(hostKeyText, `resources.${resource.id}.hostKey`),
        ...(auth.kind === 'certificate'
          ? { userCa: publicLineOf(auth.text, `resources.${resource.id}.upstreamAuth`) }
          : {}),
      }
      target = {
        host: resource.target.host,
        port: resource.target.port,
        hostKeys: await hostKeyCheck(resource.target),
        auth: auth.auth,
      }
      server = new ssh2.Server({
        hostKeys: [hostKeyText],
        ident: 'taskgate',
        keepaliveInterval: KEEPALIVE_MS,
      } as never)
      server.on('error', (error: Error) => logger.warn({ err: error.message }, 'SSH server error'))
      // ssh2 emits 'connection' after the version exchange: find the raw socket the listener handed over.
      server.on('connection', (connection: Connection, info: { ip: string }) => {
        const socket = (connection as unknown as { _sock: object })._sock
        sockets.get(socket)?.(connection, info)
      })
      logger.info({ hostKey: keys.hostKey, userCa: keys.userCa }, 'SSH gateway keys')
      return { ...(await listener.listen()), hostKey: keys.hostKey }
    },
    drain: () => listener.drain(),
    close: () => listener.close(),
  }
}

async function upstreamAuth(
  options: SshServerOptions,
  sshDir: string,
): Promise<{ kind: 'certificate' | 'key'; auth: UpstreamAuth; text: string }> {
  const { resource } = options
  const where = `resources.${resource.id}.upstreamAuth`
  if ('key' in resource.upstreamAuth) {
    const text = await options.resolveSecret(resource.upstreamAuth.key, `${where}.key`)
    return { kind: 'key', auth: { kind: 'key', privateKey: text }, text }
  }
  const source = {
    ref: resource.upstreamAuth.certificate.ca,
    file: join(sshDir, 'user_ca_ed25519'),
    where: `${where}.certificate.ca`,
    resolveSecret: options.resolveSecret,
  }
  const ca = await loadUserCa(source)
  const text = await loadKeyText(source)
  // What the target's TrustedUserCAKeys needs, beside the generated key.
  if (!source.ref)
    await writeFile(`${source.file}.pub`, `${publicLineOf(text, source.where)} taskgate-user-ca\n`, {
      mode: 0o600,
    })
  return { kind: 'certificate', auth: { kind: 'certificate', ca }, text }
}

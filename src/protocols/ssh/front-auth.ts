// Client logins to the gateway: the grant credential as a password (`password` or `keyboard-interactive`,
// checked in constant time by core) or as the credential's login key (`publickey`: the Ed25519 key the CLI
// derives from the password, compared with the stored public half, its signature verified). Every failed
// proof is audited and rate-limited by core; a key the client merely offers (OpenSSH tries each of its
// keys) is refused without counting as a failure. Resolves with the grant once a proof succeeds.
import { timingSafeEqual } from 'node:crypto'
import { createRequire } from 'node:module'
import type { AuthContext, Connection } from 'ssh2'
import { type Core, type GrantContext, toTaskgateError } from '../../core/index.ts'
import { parseLoginName } from './login-name.ts'

const { parseKey } = createRequire(import.meta.url)('ssh2/lib/protocol/keyParser.js') as {
  parseKey: (data: Buffer) => { verify(data: Buffer, signature: Buffer, hash?: string): boolean } | Error
}

const METHODS = ['publickey', 'password', 'keyboard-interactive'] as const
/** A client that has not proven a credential in this many attempts is disconnected. */
const MAX_ATTEMPTS = 10

export interface Authenticated {
  context: GrantContext
  /** The login on the target the session uses. */
  login: string
}

/** Answered already: the client only asked whether a key would do. */
const QUERIED = Symbol('queried')

export function authenticateClient(
  connection: Connection,
  options: {
    core: Core
    resourceId: string
    client: string
    /** The login for a proven grant and the login the client named; undefined refuses the login. */
    chooseLogin: (context: GrantContext, named: string | undefined) => string | undefined
  },
): Promise<Authenticated | undefined> {
  const { core, resourceId, client } = options
  let attempts = 0
  return new Promise((resolve) => {
    connection.on('close', () => resolve(undefined))
    connection.on('authentication', (ctx) => {
      if (++attempts > MAX_ATTEMPTS) {
        ctx.reject()
        connection.end()
        return
      }
      const { credentialUser, login } = parseLoginName(ctx.username)
      prove(ctx, core, resourceId, credentialUser, client).then(
        (context) => {
          if (context === QUERIED) return
          const chosen = context && options.chooseLogin(context, login)
          if (!context || !chosen) return ctx.reject([...METHODS])
          // 'ready' may follow accept() at once: the caller must attach its channel listeners in it.
          connection.once('ready', () => resolve({ context, login: chosen }))
          ctx.accept()
        },
        () => ctx.reject([...METHODS]),
      )
    })
  })
}

async function prove(
  ctx: AuthContext,
  core: Core,
  resourceId: string,
  user: string,
  client: string,
): Promise<GrantContext | typeof QUERIED | undefined> {
  switch (ctx.method) {
    case 'password':
      return byPassword(core, resourceId, user, ctx.password, client)
    case 'keyboard-interactive': {
      const answers = await new Promise<string[]>((resolve) =>
        ctx.prompt([{ prompt: 'Password: ', echo: false }], 'taskgate', (a) => resolve(a ?? [])),
      )
      return byPassword(core, resourceId, user, answers[0] ?? '', client)
    }
    case 'publickey':
      return byKey(ctx, core, resourceId, user, client)
    default:
      return undefined
  }
}

async function byPassword(
  core: Core,
  resourceId: string,
  user: string,
  password: string,
  client: string,
): Promise<GrantContext | undefined> {
  try {
    return await core.authenticateCredential(resourceId, user, password, client)
  } catch (error) {
    // A wrong password is audited by core; a grant that is not active is audited by resolveLogin.
    void toTaskgateError(error)
    return undefined
  }
}

async function byKey(
  ctx: Extract<AuthContext, { method: 'publickey' }>,
  core: Core,
  resourceId: string,
  user: string,
  client: string,
): Promise<GrantContext | typeof QUERIED | undefined> {
  if (ctx.key.algo !== 'ssh-ed25519') return undefined
  await core.admitLogin(resourceId, user, client)
  const credential = await core.findCredential(resourceId, user)
  const expected = credential?.verifiers.ssh?.loginKey
  const matches = expected !== undefined && sameBytes(Buffer.from(expected, 'base64'), ctx.key.data)
  if (!ctx.signature || !ctx.blob) {
    // The client only asks whether the key would do (no signature yet): yes for the right key.
    if (!matches) return undefined
    ctx.accept()
    return QUERIED
  }
  const publicKey = parseKey(ctx.key.data)
  const valid =
    matches && !(publicKey instanceof Error) && publicKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo)
  if (!valid || !credential) {
    await core.loginFailed(resourceId, user, 'wrong key', client)
    return undefined
  }
  return core.resolveLogin(credential, client)
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

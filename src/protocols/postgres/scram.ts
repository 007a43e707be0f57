// SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL uses it (postgresql.org/docs/current/sasl-authentication.html):
// the server side checks a client against a stored verifier, the client side logs in upstream.
// No channel binding: we advertise only SCRAM-SHA-256, so a client's gs2 header is `n,,` or `y,,`.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto'
import { promisify } from 'node:util'

const pbkdf2Async = promisify(pbkdf2)
// Clients' credentials keep RFC 7677's 4096 rounds: pgjdbc (its SCRAM library) refuses fewer.
const ROLE_SCRAM_ITERATIONS = 16

const hmac = (key: Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest()
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest()

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!
  return out
}

/** Splits `k=v,k=v` attributes; values may contain '='. */
function attributes(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of text.split(',')) {
    const eq = part.indexOf('=')
    if (eq === 1) out.set(part[0]!, part.slice(2))
  }
  return out
}

export class ScramError extends Error {}

/** RFC 5802 / RFC 7677 server-side verifier; the clear password is never stored. */
export interface ScramVerifier {
  iterations: number
  salt: string // base64
  storedKey: string // base64
  serverKey: string // base64
}

const VERIFIER_TEXT =
  /^SCRAM-SHA-256\$([0-9]{1,7}):([A-Za-z0-9+/=]{1,128})\$([A-Za-z0-9+/=]{44}):([A-Za-z0-9+/=]{44})$/

/** A credential's `verifiers.postgres.scramSha256` (PostgreSQL's own rolpassword form, src/kinds/postgres.ts);
 * undefined when absent or malformed (the login then fails like an unknown user's). */
export function parseScramVerifier(text: string | undefined): ScramVerifier | undefined {
  const m = text === undefined ? null : VERIFIER_TEXT.exec(text)
  if (!m) return undefined
  const iterations = Number(m[1])
  if (iterations < 1) return undefined
  return { iterations, salt: m[2]!, storedKey: m[3]!, serverKey: m[4]! }
}

/** One server-side exchange. `verifier` undefined means "no such user": the exchange runs to the end with
 * a decoy verifier and fails, so a client cannot tell an unknown user from a wrong password. */
export class ScramServer {
  readonly #verifier: ScramVerifier
  readonly #known: boolean
  #clientFirstBare = ''
  #serverFirst = ''
  #gs2Header = ''
  #nonce = ''

  constructor(verifier: ScramVerifier | undefined) {
    this.#known = verifier !== undefined
    this.#verifier = verifier ?? decoyVerifier()
  }

  /** client-first-message -> server-first-message. */
  first(clientFirst: string): string {
    const m = /^([ny]|p=[^,]*),([^,]*),(.*)$/.exec(clientFirst)
    if (!m) throw new ScramError('malformed SCRAM client-first-message')
    if (m[1]!.startsWith('p')) throw new ScramError('channel binding is not supported')
    if (m[2] !== '') throw new ScramError('authorization identity is not supported')
    this.#gs2Header = `${m[1]},,`
    this.#clientFirstBare = m[3]!
    const clientNonce = attributes(this.#clientFirstBare).get('r')
    if (!clientNonce || /[^\x21-\x2b\x2d-\x7e]/.test(clientNonce))
      throw new ScramError('malformed SCRAM nonce')
    this.#nonce = clientNonce + randomBytes(18).toString('base64')
    this.#serverFirst = `r=${this.#nonce},s=${this.#verifier.salt},i=${this.#verifier.iterations}`
    return this.#serverFirst
  }

  /** client-final-message -> server-final-message; throws ScramError when the proof is wrong. */
  final(clientFinal: string): string {
    const proofAt = clientFinal.lastIndexOf(',p=')
    if (proofAt < 0) throw new ScramError('malformed SCRAM client-final-message')
    const withoutProof = clientFinal.slice(0, proofAt)
    const attrs = attributes(withoutProof)
    if (attrs.get('c') !== Buffer.from(this.#gs2Header).toString('base64'))
      throw new ScramError('channel binding mismatch')
    if (attrs.get('r') !== this.#nonce) throw new ScramError('nonce mismatch')
    const proof = Buffer.from(clientFinal.slice(proofAt + 3), 'base64')
    const storedKey = Buffer.from(this.#verifier.storedKey, 'base64')
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`
    const clientSignature = hmac(storedKey, authMessage)
    const ok =
      proof.length === clientSignature.length &&
      timingSafeEqual(sha256(xor(proof, clientSignature)), storedKey)
    if (!ok || !this.#known) throw new ScramError('password authentication failed')
    const serverSignature = hmac(Buffer.from(this.#verifier.serverKey, 'base64'), authMessage)
    return `v=${serverSignature.toString('base64')}`
  }
}

const decoySecret = randomBytes(32)

function decoyVerifier(): ScramVerifier {
  const key = randomBytes(32).toString('base64')
  // A stable salt per process so repeated probes for one unknown name look like a real account.
  return {
    iterations: 4096,
    salt: hmac(decoySecret, 'salt').subarray(0, 16).toString('base64'),
    storedKey: key,
    serverKey: key,
  }
}

/** Client side, for logging in upstream. */
export class ScramClient {
  readonly #password: string
  readonly #clientNonce = randomBytes(18).toString('base64')
  #serverSignature: Buffer | undefined

  constructor(password: string) {
    this.#password = password
  }

  first(): string {
    return `n,,n=*,r=${this.#clientNonce}`
  }

  async final(serverFirst: string): Promise<string> {
    const attrs = attributes(serverFirst)
    const nonce = attrs.get('r')
    const salt = attrs.get('s')
    const iterations = Number(attrs.get('i'))
    if (!nonce?.startsWith(this.#clientNonce) || nonce.length === this.#clientNonce.length) {
      throw new ScramError('upstream SCRAM nonce is invalid')
    }
    if (!salt || !Number.isInteger(iterations) || iterations < 1 || iterations > 1_000_000) {
      throw new ScramError('upstream SCRAM parameters are invalid')
    }
    const withoutProof = `c=biws,r=${nonce}`
    const authMessage = `n=*,r=${this.#clientNonce},${serverFirst},${withoutProof}`
    const salted = await pbkdf2Async(
      this.#password.normalize('NFKC'),
      Buffer.from(salt, 'base64'),
      iterations,
      32,
      'sha256',
    )
    const clientKey = hmac(salted, 'Client Key')
    const proof = xor(clientKey, hmac(sha256(clientKey), authMessage))
    this.#serverSignature = hmac(hmac(salted, 'Server Key'), authMessage)
    return `${withoutProof},p=${proof.toString('base64')}`
  }

  /** Checks the server proved it knows the verifier too. */
  verify(serverFinal: string): void {
    const v = Buffer.from(attributes(serverFinal).get('v') ?? '', 'base64')
    if (!this.#serverSignature || v.length !== 32 || !timingSafeEqual(v, this.#serverSignature)) {
      throw new ScramError('upstream SCRAM server signature is invalid')
    }
  }
}

/** A verifier PostgreSQL accepts in `CREATE ROLE ... PASSWORD '<this>'`: the clear password never reaches
 * the server, its logs or pg_stat_statements. */
/** An ephemeral role's verifier on the target: its password is 24 random bytes the gateway alone holds, so
 * the rounds only cost the gateway's upstream login (its ScramClient runs them every time). */
export async function postgresVerifier(
  password: string,
  iterations = ROLE_SCRAM_ITERATIONS,
): Promise<string> {
  const salt = randomBytes(16)
  const salted = await pbkdf2Async(password, salt, iterations, 32, 'sha256')
  const storedKey = sha256(hmac(salted, 'Client Key'))
  const serverKey = hmac(salted, 'Server Key')
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}

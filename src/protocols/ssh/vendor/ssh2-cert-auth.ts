// Vendored fix for ssh2 1.17 issue #551 (github.com/mscdex/ssh2/issues/551): its client cannot log in with
// an OpenSSH user certificate, because Protocol.authPK writes the certificate type
// (`ssh-ed25519-cert-v01@openssh.com`) as the signature's algorithm too, and sshd rejects the signature.
// This replaces authPK for certificate keys only: the request names the certificate type and carries the
// certificate, the signature names the base algorithm (`ssh-ed25519`). Other keys go through ssh2's own
// code unchanged. Installed once at import; `certificateKey` builds the key object the client is given.
// Remove when ssh2 ships the fix (the test in ssh2-cert-auth.test.ts logs in to a real sshd with it).
import { createRequire } from 'node:module'
import { sshString } from '../../../kinds/ssh-keys.ts'

const require = createRequire(import.meta.url)
const ssh2Protocol = require('ssh2/lib/protocol/Protocol.js') as { prototype: ProtocolInternals }
const { sendPacket } = require('ssh2/lib/protocol/utils.js') as {
  sendPacket: (proto: ProtocolInternals, packet: Buffer) => void
}
const { parseKey } = require('ssh2/lib/protocol/keyParser.js') as { parseKey: (data: unknown) => unknown }

/** The parts of ssh2's Protocol this patch writes through (internal, pinned to ssh2 1.17). */
interface ProtocolInternals {
  authPK(username: string, key: unknown, keyAlgo?: unknown, cbSign?: unknown): void
  _kex: { sessionID: Buffer }
  _authsQueue: string[]
  _packetRW: { write: { alloc(n: number): Buffer; allocStart: number; finalize(b: Buffer): Buffer } }
}

interface ParsedKey {
  type: string
  getPublicSSH(): Buffer
}

type SignCallback = (data: Buffer, done: (signature: Buffer) => void) => void

const CERT_SUFFIX = /-cert-v0[01]@openssh\.com$/
const USERAUTH_REQUEST = 50
const PATCHED = Symbol.for('taskgate.ssh2.certAuth')

function send(proto: ProtocolInternals, payload: Buffer): void {
  const writer = proto._packetRW.write
  const packet = writer.alloc(payload.length)
  payload.copy(packet, writer.allocStart)
  sendPacket(proto, writer.finalize(packet))
}

function authWithCertificate(
  proto: ProtocolInternals,
  username: string,
  key: ParsedKey,
  cbSign: SignCallback | undefined,
): void {
  const request = Buffer.concat([
    Buffer.from([USERAUTH_REQUEST]),
    sshString(username),
    sshString('ssh-connection'),
    sshString('publickey'),
    Buffer.from([cbSign ? 1 : 0]),
    sshString(key.type),
    sshString(key.getPublicSSH()),
  ])
  if (!cbSign) {
    proto._authsQueue.push('publickey')
    send(proto, request)
    return
  }
  cbSign(Buffer.concat([sshString(proto._kex.sessionID), request]), (signature) => {
    const algorithm = key.type.replace(CERT_SUFFIX, '')
    proto._authsQueue.push('publickey')
    send(
      proto,
      Buffer.concat([request, sshString(Buffer.concat([sshString(algorithm), sshString(signature)]))]),
    )
  })
}

function install(): void {
  const prototype = ssh2Protocol.prototype as ProtocolInternals & { [PATCHED]?: true }
  if (prototype[PATCHED]) return
  const original = prototype.authPK
  prototype.authPK = function authPK(this: ProtocolInternals, username, key, keyAlgo, cbSign) {
    const parsed = parseKey(key) as ParsedKey | Error
    if (parsed instanceof Error || !CERT_SUFFIX.test(parsed.type))
      return original.call(this, username, key, keyAlgo, cbSign)
    const sign = (typeof keyAlgo === 'function' ? keyAlgo : cbSign) as SignCallback | undefined
    authWithCertificate(this, username, parsed, sign)
  }
  prototype[PATCHED] = true
}

install()

/**
 * The key object to give ssh2's client (`privateKey` or an authHandler's `key`): signs with `privateKey`
 * (an OpenSSH private key file) and presents `certificate`.
 */
export function certificateKey(privateKey: string, certificate: Buffer, certType: string): unknown {
  const parsed = parseKey(privateKey)
  if (parsed instanceof Error) throw parsed
  return Object.create(parsed as object, {
    type: { value: certType },
    getPublicSSH: { value: () => certificate },
  })
}

// OpenSSH user certificates (PROTOCOL.certkeys) minted by the gateway's CA for one upstream session: an
// ephemeral Ed25519 key, its certificate valid from a minute ago (clock skew) until the grant ends,
// principal = the login, key id = the grant id, and only the extensions the session may use (no agent or
// X11 forwarding ever; port forwarding only when the grant has it), so the target enforces them too.
import { randomBytes, sign } from 'node:crypto'
import {
  type Ed25519Key,
  ed25519PublicBlob,
  generateEd25519,
  openSshPrivateKey,
  sshString,
} from '../../kinds/ssh-keys.ts'

export const CERT_TYPE = 'ssh-ed25519-cert-v01@openssh.com'
const SSH_CERT_TYPE_USER = 1
/** Tolerated clock difference between the gateway and the target. */
const SKEW_SECONDS = 60

export interface CertificateRequest {
  ca: Ed25519Key
  login: string
  /** The grant id (sshd logs it with every login it accepts). */
  keyId: string
  now: Date
  /** The grant's end: the certificate is useless after it. */
  validBefore: Date
  permitPortForwarding: boolean
}

export interface UserCertificate {
  /** The ephemeral key's OpenSSH private key file (kept in memory only). */
  privateKey: string
  /** The certificate blob (what `-cert.pub` holds, base64-decoded). */
  certificate: Buffer
}

const uint64 = (value: number): Buffer => {
  const bytes = Buffer.alloc(8)
  bytes.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(value))))
  return bytes
}

const uint32 = (value: number): Buffer => {
  const bytes = Buffer.alloc(4)
  bytes.writeUInt32BE(value)
  return bytes
}

/** Name/value pairs, sorted by name as PROTOCOL.certkeys requires; values are empty strings here. */
function extensions(names: string[]): Buffer {
  return Buffer.concat([...names].sort().map((name) => Buffer.concat([sshString(name), sshString('')])))
}

export function mintUserCertificate(request: CertificateRequest): UserCertificate {
  const key = generateEd25519()
  const nowSeconds = request.now.getTime() / 1000
  const body = Buffer.concat([
    sshString(CERT_TYPE),
    sshString(randomBytes(32)),
    sshString(key.publicKey),
    uint64(0),
    uint32(SSH_CERT_TYPE_USER),
    sshString(request.keyId),
    sshString(sshString(request.login)),
    uint64(nowSeconds - SKEW_SECONDS),
    uint64(request.validBefore.getTime() / 1000),
    sshString(''),
    sshString(
      extensions(['permit-pty', ...(request.permitPortForwarding ? ['permit-port-forwarding'] : [])]),
    ),
    sshString(''),
    sshString(ed25519PublicBlob(request.ca.publicKey)),
  ])
  const signature = sign(null, body, request.ca.privateKey)
  const certificate = Buffer.concat([
    body,
    sshString(Buffer.concat([sshString('ssh-ed25519'), sshString(signature)])),
  ])
  return { privateKey: openSshPrivateKey(key), certificate }
}

/** The certificate as a `-cert.pub` line (what `ssh -i` would read beside the key). */
export function certificateLine(certificate: Buffer, comment = ''): string {
  return `${CERT_TYPE} ${certificate.toString('base64')}${comment ? ` ${comment}` : ''}`
}

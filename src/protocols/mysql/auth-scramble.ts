// The two password scrambles the gateway speaks, both sides
// (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase_authentication_methods_native_password_authentication.html,
// .../page_caching_sha2_authentication_exchanges.html). A verifier is what a server keeps instead of the
// password: SHA1(SHA1(password)) for mysql_native_password, SHA256(SHA256(password)) for the fast path of
// caching_sha2_password; with it a scramble can be checked without the clear password.
import { createHash, timingSafeEqual } from 'node:crypto'

const sha1 = (...parts: Buffer[]) => {
  const h = createHash('sha1')
  for (const p of parts) h.update(p)
  return h.digest()
}
const sha256 = (...parts: Buffer[]) => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i % b.length]!
  return out
}

/** Both verifiers of a password. */
export interface MysqlVerifiers {
  mysqlNativePassword: Buffer
  cachingSha2Password: Buffer
}

export function mysqlVerifiers(password: string): MysqlVerifiers {
  const p = Buffer.from(password, 'utf8')
  return { mysqlNativePassword: sha1(sha1(p)), cachingSha2Password: sha256(sha256(p)) }
}

/** The nonce is the first 20 bytes of auth-plugin-data. */
const nonceOf = (authPluginData: Buffer) => authPluginData.subarray(0, 20)

/** SHA1(password) XOR SHA1(nonce + SHA1(SHA1(password))); empty for an empty password. */
export function nativePasswordScramble(password: string, authPluginData: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0)
  const stage1 = sha1(Buffer.from(password, 'utf8'))
  return xor(stage1, sha1(nonceOf(authPluginData), sha1(stage1)))
}

/** SHA256(password) XOR SHA256(SHA256(SHA256(password)) + nonce); empty for an empty password. */
export function cachingSha2Scramble(password: string, authPluginData: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0)
  const stage1 = sha256(Buffer.from(password, 'utf8'))
  return xor(stage1, sha256(sha256(stage1), nonceOf(authPluginData)))
}

/** Checks a mysql_native_password scramble against SHA1(SHA1(password)), in constant time. */
export function verifyNativePassword(scramble: Buffer, authPluginData: Buffer, verifier: Buffer): boolean {
  if (scramble.length !== 20 || verifier.length !== 20) return false
  const stage1 = xor(scramble, sha1(nonceOf(authPluginData), verifier))
  return timingSafeEqual(sha1(stage1), verifier)
}

/** Checks a caching_sha2_password fast-path scramble against SHA256(SHA256(password)), in constant time. */
export function verifyCachingSha2(scramble: Buffer, authPluginData: Buffer, verifier: Buffer): boolean {
  if (scramble.length !== 32 || verifier.length !== 32) return false
  const stage1 = xor(scramble, sha256(verifier, nonceOf(authPluginData)))
  return timingSafeEqual(sha256(stage1), verifier)
}

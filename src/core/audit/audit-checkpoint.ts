// The signed checkpoint audit retention leaves behind: seq and hash of the last entry it removed, so the
// chain is verified from there on. Signed with retention.checkpointKey (HMAC-SHA256): someone who can write
// the store but does not hold the key cannot move the checkpoint to hide a rewrite or a removal.
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { AuditCheckpoint } from '../../store/store.ts'

const macInput = (cp: Omit<AuditCheckpoint, 'mac'>) =>
  `taskgate-audit-checkpoint\n${cp.seq}\n${cp.hash}\n${cp.at.toISOString()}`

export function signCheckpoint(key: string, cp: Omit<AuditCheckpoint, 'mac'>): AuditCheckpoint {
  return { ...cp, mac: createHmac('sha256', key).update(macInput(cp)).digest('hex') }
}

export function checkpointIsAuthentic(key: string, cp: AuditCheckpoint): boolean {
  if (!/^[0-9a-f]{64}$/.test(cp.mac)) return false
  const expected = createHmac('sha256', key).update(macInput(cp)).digest()
  return timingSafeEqual(expected, Buffer.from(cp.mac, 'hex'))
}

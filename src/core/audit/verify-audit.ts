// core.verifyAudit: the chain from the retention checkpoint (its HMAC checked) to the head the store recorded,
// holding `anchor` (a head noted earlier, kept outside the store) unchanged.
import { authorizeOversight } from '../authorize.ts'
import type { CoreContext } from '../core-context.ts'
import { TaskgateError } from '../errors.ts'
import type { Principal } from '../identity/principal.ts'
import { checkpointIsAuthentic } from './audit-checkpoint.ts'
import { type AuditLogVerification, type ChainHead, verifyAuditLog } from './verify-audit-log.ts'

export async function verifyAudit(
  ctx: CoreContext,
  checkpointKey: string | undefined,
  actor: Principal,
  anchor?: ChainHead,
): Promise<AuditLogVerification> {
  const { store } = ctx
  if (!authorizeOversight(ctx, actor))
    throw new TaskgateError('TG_FORBIDDEN', {
      message: 'Only administrators and approvers verify the audit log.',
    })
  const checkpoint = await store.audit.checkpoint()
  if (checkpoint) {
    const problem = !checkpointKey
      ? `the log was pruned up to seq ${checkpoint.seq}; its checkpoint can be verified only with retention.checkpointKey`
      : checkpointIsAuthentic(checkpointKey, checkpoint)
        ? undefined
        : 'the retention checkpoint does not match its signature (checkpoint changed)'
    if (problem) return { ok: false, entries: 0, brokenAt: checkpoint.seq, problem }
  }
  const start = checkpoint ? { seq: checkpoint.seq, hash: checkpoint.hash } : undefined
  // Head and entries are two reads: an append between them would look like an entry written outside the
  // gateway. Read the head again after the entries and retry while appends keep landing.
  for (let attempt = 1; ; attempt++) {
    const head = await store.audit.head()
    const entries = await store.audit.list({})
    const after = await store.audit.head()
    if (after?.seq === head?.seq || attempt === 5) return verifyAuditLog(entries, head, anchor, start)
  }
}

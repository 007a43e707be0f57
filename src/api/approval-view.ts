// An approval as the API shows it: pending grant requests carry their risk (requested scope against
// auto-approve and the ceiling), so an approver sees what a decision widens without a second request.
import type { Approval, Core } from '../core/index.ts'
import { toApprovalDto } from './dto.ts'

export async function approvalView(
  core: Core,
  approval: Approval,
): Promise<ReturnType<typeof toApprovalDto>> {
  if (approval.status !== 'pending') return toApprovalDto(approval)
  const [risk, evidence] = await Promise.all([core.approvalRisk(approval), core.approvalEvidence(approval)])
  return toApprovalDto(approval, risk, evidence)
}

// The span attributes of core's objects: ids, states and kinds only (core-tracer.ts says why).
import type { Approval } from '../approvals/approval.ts'
import type { CoreContext } from '../core-context.ts'
import type { Grant } from '../grants/grant.ts'
import type { TraceAttributes } from './core-tracer.ts'

export function grantAttributes(grant: Grant): TraceAttributes {
  return {
    'taskgate.grant.id': grant.id,
    'taskgate.grant.status': grant.status,
    'taskgate.resource.id': grant.resourceId,
  }
}

export function approvalAttributes(approval: Approval): TraceAttributes {
  return {
    'taskgate.approval.id': approval.id,
    'taskgate.approval.subject': approval.subject,
    'taskgate.grant.id': approval.grantId,
    'taskgate.resource.id': approval.resourceId,
  }
}

/** A resource the configuration names (a client may send any string as a resource id: it is left out). */
export function resourceAttributes(ctx: CoreContext, resourceId: string): TraceAttributes {
  const resource = ctx.resources.get(resourceId)
  return resource ? { 'taskgate.resource.id': resource.id, 'taskgate.protocol': resource.kind } : {}
}

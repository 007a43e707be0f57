// The grant the console's browser tests hold statements under: the agent asks to read and update
// public.items ("rename item two"), an administrator approves it with a reason, and the agent fetches a
// credential. The live client each test then connects with differs (node-postgres, psql).
import { api, type ConsoleGateway } from './console.ts'

/** A grant as POST /v1/grants returns it, with the credential when the grant is active. */
export interface GrantOut {
  grant: { id: string; status: string; approvalId?: string }
  credential?: { connection: { host: string; port: number; user: string; password: string } }
}

export type Connection = NonNullable<GrantOut['credential']>['connection']

export async function approvedUpdateGrant(
  gw: ConsoleGateway,
  approvalReason: string,
): Promise<{ working: GrantOut; connection: Connection }> {
  const working = await api<GrantOut>(gw.url, gw.agentKey, 'POST', '/v1/grants', {
    resource: gw.resourceId,
    scope: ['select:public.items', 'update:public.items'],
    task: 'rename item two',
  })
  await api(gw.url, gw.adminKey, 'POST', `/v1/approvals/${working.grant.approvalId}/approve`, {
    reason: approvalReason,
  })
  const credential = await api<NonNullable<GrantOut['credential']>>(
    gw.url,
    gw.agentKey,
    'POST',
    `/v1/grants/${working.grant.id}/credential`,
  )
  return { working, connection: credential.connection }
}

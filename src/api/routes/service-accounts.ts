import { z } from 'zod'
import { serviceAccountDto, toServiceAccountDto } from '../dto.ts'
import { defineRoute } from '../route-spec.ts'

const accountParams = z.object({ name: z.string().min(1).max(63) })
const retireBody = z.strictObject({
  reason: z.string().trim().min(1).max(1000).describe('recorded in the audit log'),
})

export const serviceAccountRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/service-accounts',
    operationId: 'listServiceAccounts',
    summary: 'Service accounts (agents and automation identities)',
    tag: 'service-accounts',
    responses: {
      200: { description: 'accounts', schema: z.object({ serviceAccounts: z.array(serviceAccountDto) }) },
    },
    handler: async ({ core, principal }) => ({
      serviceAccounts: (await core.listServiceAccounts(principal)).map(toServiceAccountDto),
    }),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/service-accounts',
    operationId: 'createServiceAccount',
    summary: 'Create a service account (admins); its key is returned once',
    tag: 'service-accounts',
    body: z.strictObject({
      name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected lowercase letters, digits and dashes'),
      groups: z.array(z.string().min(1)).min(1).describe('groups policies refer to'),
      kind: z.enum(['agent', 'service']).optional().describe('defaults to agent'),
    }),
    responses: {
      201: {
        description: 'the account and its key (only its hash is stored: this is the only time it is shown)',
        schema: z.object({ account: serviceAccountDto, key: z.string() }),
      },
    },
    handler: async ({ core, principal, body, reply }) => {
      const { account, key } = await core.createServiceAccount(principal, {
        name: body.name,
        groups: body.groups,
        ...(body.kind ? { kind: body.kind } : {}),
      })
      reply.code(201)
      return { account: toServiceAccountDto(account), key }
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/service-accounts/:name/rotate',
    operationId: 'rotateServiceAccountKey',
    summary: 'Replace an account key (admins, or the account itself); the old key stops working at once',
    tag: 'service-accounts',
    params: accountParams,
    responses: {
      200: {
        description: 'the account and its new key (shown once)',
        schema: z.object({ account: serviceAccountDto, key: z.string() }),
      },
    },
    handler: async ({ core, principal, params }) => {
      const { account, key } = await core.rotateServiceAccountKey(principal, params.name)
      return { account: toServiceAccountDto(account), key }
    },
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/service-accounts/:name/disable',
    operationId: 'disableServiceAccount',
    summary:
      'Disable an account (admins): its key stops working and its live grants end, closing their sessions',
    tag: 'service-accounts',
    params: accountParams,
    body: retireBody,
    responses: { 200: { description: 'the disabled account', schema: serviceAccountDto } },
    handler: async ({ core, principal, params, body }) =>
      toServiceAccountDto(await core.disableServiceAccount(principal, params.name, body.reason)),
  }),
  defineRoute({
    method: 'DELETE',
    url: '/v1/service-accounts/:name',
    operationId: 'deleteServiceAccount',
    summary: 'Delete an account (admins): as disable, and it leaves the list; its name stays reserved',
    tag: 'service-accounts',
    params: accountParams,
    body: retireBody,
    responses: { 204: { description: 'deleted' } },
    handler: async ({ core, principal, params, body, reply }) => {
      await core.deleteServiceAccount(principal, params.name, body.reason)
      reply.code(204)
      return undefined
    },
  }),
]

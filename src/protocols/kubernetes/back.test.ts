import assert from 'node:assert/strict'
import type https from 'node:https'
import { test } from 'node:test'
import type { Grant } from '../../core/index.ts'
import { upstreamHeaders } from './back.ts'

test("the client's identity headers never reach the API server: Impersonate-*, front-proxy X-Remote-*", () => {
  const upstream = { host: '127.0.0.1', port: 6443, agent: {} as https.Agent, groups: ['taskgate:grants'] }
  const out = upstreamHeaders(
    upstream,
    {
      accept: 'application/json',
      'x-remote-user': 'system:admin',
      'x-remote-group': 'system:masters',
      'x-remote-extra-scopes': 'all',
      'impersonate-extra-x': 'y',
      authorization: 'Bearer client-token',
    },
    { id: 'g1' } as Grant,
  )
  for (const name of ['x-remote-user', 'x-remote-group', 'x-remote-extra-scopes', 'impersonate-extra-x'])
    assert.equal(out[name], undefined, name)
  assert.equal(out.accept, 'application/json')
  assert.equal(out.authorization, undefined)
  assert.equal(out['impersonate-user'], 'taskgate:grant:g1')
})

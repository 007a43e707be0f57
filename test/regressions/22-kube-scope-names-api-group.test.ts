// A Kubernetes scope entry named a resource without its API group, and requests were decided on the
// resource's name alone (`deployments.apps/web` = `deployments/web`, README): `list:pods@team-a` also covered
// `pods` of any other group, a CustomResourceDefinition's `pods.evil.example.com` or an aggregated API's
// `pods.metrics.k8s.io`, and a cluster-wide list of those ran filtered to team-a's. Now the group is part of
// what is matched: a request's object is `pods` for the core group and `<resource>.<group>` for any other;
// an entry's unqualified name is the core group's, or the group the built-in resource of that name is
// served by (`deployments` = `deployments.apps`, as documented); any other group must be named
// (`widgets.evil.example.com`), and an unqualified name of no built-in group matches nothing (denied).
// Real kube-apiserver 1.20 with CRDs named like built-in resources, real gateway, kubectl.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type KubeApiserver, startKubeApiserver } from '../support/start-kube-apiserver.ts'
import { type KubeGateway, startKubeGateway } from '../support/start-kube-gateway.ts'

let api: KubeApiserver
let g: KubeGateway

const crd = (plural: string, kind: string) => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: ${plural}.evil.example.com }
spec:
  group: evil.example.com
  scope: Namespaced
  names: { plural: ${plural}, singular: ${kind.toLowerCase()}, kind: ${kind} }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } }
`

before(async () => {
  api = await startKubeApiserver()
  g = await startKubeGateway(api)
  await api.kubectl(['create', 'namespace', 'team-a'])
  await api.kubectl(
    ['apply', '-f', '-'],
    [crd('pods', 'Pod'), crd('deployments', 'Deployment'), crd('widgets', 'Widget')].join('---\n'),
  )
  await api.kubectl([
    'wait',
    '--for=condition=established',
    '--timeout=60s',
    'crd/pods.evil.example.com',
    'crd/deployments.evil.example.com',
    'crd/widgets.evil.example.com',
  ])
})

after(async () => {
  await g?.[Symbol.asyncDispose]()
  await api?.[Symbol.asyncDispose]()
})

const read = async (kubeconfig: string, path: string) => {
  const r = await g.kubectl(kubeconfig, ['get', '--raw', path])
  return r.code === 0 ? 'allowed' : /taskgate/.test(r.stderr) ? 'denied' : `failed: ${r.stderr}`
}

test('a resource entry covers its own API group only', async () => {
  const { kubeconfig } = await g.grant('list:pods@team-a,list:deployments@team-a,list:widgets@team-a')
  assert.equal(await read(kubeconfig, '/api/v1/namespaces/team-a/pods'), 'allowed')
  // The documented unqualified spelling of a built-in resource of another group still names that group.
  assert.equal(await read(kubeconfig, '/apis/apps/v1/namespaces/team-a/deployments'), 'allowed')
  assert.equal(await read(kubeconfig, '/apis/evil.example.com/v1/namespaces/team-a/pods'), 'denied')
  assert.equal(await read(kubeconfig, '/apis/evil.example.com/v1/namespaces/team-a/deployments'), 'denied')
  // A cluster-wide list of the other group's `pods` is not run filtered to team-a's.
  assert.equal(await read(kubeconfig, '/apis/evil.example.com/v1/pods'), 'denied')
  // An unqualified name no built-in group serves is not guessed: the group must be named.
  assert.equal(await read(kubeconfig, '/apis/evil.example.com/v1/namespaces/team-a/widgets'), 'denied')
})

test('an entry naming the group covers that group', async () => {
  const { kubeconfig } = await g.grant(
    'list:widgets.evil.example.com@team-a,list:deployments.apps@team-a,list:pods.evil.example.com@team-a',
  )
  assert.equal(await read(kubeconfig, '/apis/evil.example.com/v1/namespaces/team-a/widgets'), 'allowed')
  assert.equal(await read(kubeconfig, '/apis/apps/v1/namespaces/team-a/deployments'), 'allowed')
  assert.equal(await read(kubeconfig, '/apis/evil.example.com/v1/namespaces/team-a/pods'), 'allowed')
  assert.equal(await read(kubeconfig, '/api/v1/namespaces/team-a/pods'), 'denied')
  assert.equal(await read(kubeconfig, '/apis/evil.example.com/v1/namespaces/team-a/deployments'), 'denied')
})

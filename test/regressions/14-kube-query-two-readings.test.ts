// A query the gateway and the API server read differently must not widen a grant. Go's url.ParseQuery (the
// API server, Go >= 1.17) drops a pair holding `;` or a broken escape; URLSearchParams keeps it. So
// `?watch=1;` was a watch to the gateway (decided as one, its answer read line by line as watch events) and a
// plain list to the server: the list passed as one unreadable "event", unfiltered and with Secret values
// unmasked. And `fieldSelector=metadata.name=web,x=;` named `web` to the gateway and nothing to the server.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import https from 'node:https'
import { after, before, test } from 'node:test'
import { type KubeApiserver, startKubeApiserver } from '../support/start-kube-apiserver.ts'
import { type KubeGateway, startKubeGateway } from '../support/start-kube-gateway.ts'

let api: KubeApiserver
let g: KubeGateway

before(async () => {
  api = await startKubeApiserver()
  g = await startKubeGateway(api)
  await api.kubectl(['create', 'namespace', 'team-a'])
  await api.kubectl(['create', 'namespace', 'team-b'])
  await api.kubectl(['-n', 'team-a', 'create', 'configmap', 'web', '--from-literal=k=v'])
  await api.kubectl(['-n', 'team-a', 'create', 'configmap', 'other', '--from-literal=k=v'])
  await api.kubectl(['-n', 'team-b', 'create', 'configmap', 'db', '--from-literal=k=v'])
  await api.kubectl(['-n', 'team-a', 'create', 'secret', 'generic', 's1', '--from-literal=password=hunter2'])
})

after(async () => {
  await g?.[Symbol.asyncDispose]()
  await api?.[Symbol.asyncDispose]()
})

/** A raw GET through the gateway with a kubeconfig's server, CA and token. */
async function raw(kubeconfig: string, path: string): Promise<{ status: number; body: string }> {
  const text = await readFile(kubeconfig, 'utf8')
  const server = new URL(/server: (\S+)/.exec(text)![1]!)
  const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(text)![1]!, 'base64')
  const token = /token: (\S+)/.exec(text)![1]!
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: server.hostname, port: server.port, path, ca, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        res.on('error', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.setTimeout(20_000, () => req.destroy(new Error('no answer')))
    req.on('error', reject)
    req.end()
  })
}

test('`?watch=1;` (a list to the API server) does not pass a list across namespaces unfiltered', async () => {
  const { kubeconfig } = await g.grant('list:configmaps@team-a,watch:configmaps@team-a')
  const { body } = await raw(kubeconfig, '/api/v1/configmaps?watch=1;')
  assert.doesNotMatch(body, /"name":"db"/)
})

test('`?watch=1%zz` is not a watch to the gateway and a list to the server', async () => {
  const { kubeconfig } = await g.grant('list:configmaps@team-a,watch:configmaps@team-a')
  const { body } = await raw(kubeconfig, '/api/v1/configmaps?watch=1%zz')
  assert.doesNotMatch(body, /"name":"db"/)
})

test('`?watch=1;` on Secrets does not show values the grant masks', async () => {
  const { kubeconfig } = await g.grant('list:secrets@team-a,watch:secrets@team-a')
  const { body } = await raw(kubeconfig, '/api/v1/namespaces/team-a/secrets?watch=1;')
  assert.doesNotMatch(body, new RegExp(Buffer.from('hunter2').toString('base64')))
})

test('a field selector naming one object to the gateway and none to the server is refused', async () => {
  const { kubeconfig } = await g.grant('list:configmaps:web@team-a')
  const { body } = await raw(
    kubeconfig,
    '/api/v1/namespaces/team-a/configmaps?fieldSelector=metadata.name%3Dweb,x%3D;',
  )
  assert.doesNotMatch(body, /"name":"other"/)
})

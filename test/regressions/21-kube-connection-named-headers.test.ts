// Outside review, session 7: the Kubernetes engine dropped the fixed hop-by-hop headers but forwarded the ones
// a client names in its `Connection:` header, which a proxy must remove (RFC 9110 7.6.1): `Connection: X-Foo`
// then `X-Foo: …` reached the API server. Shown on a header the real kube-apiserver (1.20) acts on visibly:
// `Accept` asking for a Table (kubectl's form) gets a Table, the same list without it a ConfigMapList. The
// HTTP engine already stripped what Connection names (headers.ts).
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
})

after(async () => {
  await g?.[Symbol.asyncDispose]()
  await api?.[Symbol.asyncDispose]()
})

/** A raw GET through the gateway with a kubeconfig's server, CA and token, and `headers`. */
async function raw(
  kubeconfig: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const text = await readFile(kubeconfig, 'utf8')
  const server = new URL(/server: (\S+)/.exec(text)![1]!)
  const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(text)![1]!, 'base64')
  const token = /token: (\S+)/.exec(text)![1]!
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: server.hostname,
        port: server.port,
        path,
        ca,
        headers: { ...headers, authorization: `Bearer ${token}` },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.setTimeout(20_000, () => req.destroy(new Error('no answer')))
    req.on('error', reject)
    req.end()
  })
}

test('a header the client names in Connection does not reach the API server', async () => {
  const { kubeconfig } = await g.grant('list:configmaps@team-a')
  const path = '/api/v1/namespaces/team-a/configmaps'
  const table = { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }
  // The control: sent as an ordinary header, the API server answers a Table (so the header acts upstream).
  const plain = await raw(kubeconfig, path, table)
  assert.equal(plain.status, 200)
  assert.equal(JSON.parse(plain.body).kind, 'Table')
  const named = await raw(kubeconfig, path, { ...table, connection: 'keep-alive, Accept' })
  assert.equal(named.status, 200)
  assert.equal(JSON.parse(named.body).kind, 'ConfigMapList', 'the Connection-named Accept was forwarded')
})

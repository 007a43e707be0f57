// kubectl through the gateway against a real kube-apiserver + etcd (test/support/start-kube-apiserver.ts):
// kubeconfig from the real CLI, per-verb scopes decided as the API server reads requests, impersonation of
// the grant's identity, Status denials, watches, apply (client- and server-side), patch, delete, chunked lists,
// filtered lists and masked Secrets. Needs scripts/build-kube-apiserver.sh's binary: fails, naming it, without.
import assert from 'node:assert/strict'
import { readFile, stat } from 'node:fs/promises'
import https from 'node:https'
import { after, before, test } from 'node:test'
import { parse } from 'yaml'
import { type KubeApiserver, startKubeApiserver } from '../../support/start-kube-apiserver.ts'
import { type KubeGateway, startKubeGateway, watchKubectl } from '../../support/start-kube-gateway.ts'

let api: KubeApiserver
let g: KubeGateway

before(async () => {
  api = await startKubeApiserver()
  g = await startKubeGateway(api)
  await api.kubectl(['create', 'namespace', 'team-a'])
  await api.kubectl(['create', 'namespace', 'team-b'])
  const pod = (name: string, ns: string) =>
    `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}","namespace":"${ns}"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`
  await api.kubectl(['apply', '-f', '-'], pod('web', 'team-a'))
  await api.kubectl(['apply', '-f', '-'], pod('db', 'team-b'))
  await api.kubectl(['-n', 'team-a', 'create', 'secret', 'generic', 's1', '--from-literal=password=hunter2'])
})

after(async () => {
  await g?.[Symbol.asyncDispose]()
  await api?.[Symbol.asyncDispose]()
})

test('grant kubeconfig writes an HTTPS kubeconfig, 0600, with the CA embedded; kubectl lists what the scope allows', async () => {
  const { kubeconfig } = await g.grant('list:pods@team-a,get:pods@team-a')
  assert.equal((await stat(kubeconfig)).mode & 0o777, 0o600)
  const { readFile } = await import('node:fs/promises')
  const text = await readFile(kubeconfig, 'utf8')
  assert.match(text, /server: https:\/\/127\.0\.0\.1:\d+/)
  assert.match(text, /certificate-authority-data: /)
  const list = await g.kubectl(kubeconfig, ['-n', 'team-a', 'get', 'pods'])
  assert.equal(list.code, 0, list.stderr)
  assert.match(list.stdout, /^web\s/m)
  const one = await g.kubectl(kubeconfig, ['-n', 'team-a', 'get', 'pod', 'web', '-o', 'name'])
  assert.equal(one.stdout.trim(), 'pod/web')
})

test('a request outside the scope is a Forbidden Status naming the rule, the missing scope and the request command', async () => {
  const { kubeconfig, grant } = await g.grant('list:pods@team-a')
  const other = await g.kubectl(kubeconfig, ['-n', 'team-b', 'get', 'pods'])
  assert.notEqual(other.code, 0)
  assert.match(other.stderr, /Error from server \(Forbidden\)/)
  assert.match(other.stderr, /rule scope/)
  assert.match(other.stderr, /missing scope: list:pods:\*@team-b/)
  assert.match(
    other.stderr,
    new RegExp(`taskgate grant request ${g.resourceId} --scope "list:pods:\\*@team-a,list:pods:\\*@team-b"`),
  )
  const del = await g.kubectl(kubeconfig, ['-n', 'team-a', 'delete', 'pod', 'web'])
  assert.match(del.stderr, /missing scope: delete:pods:web@team-a/)
  assert.ok(grant.id)
})

test('kubectl --as is refused with a Status; the API server sees the grant identity, not the client', async () => {
  const { kubeconfig, grant } = await g.grant('list:pods@team-a')
  // kubectl's discovery answers a refused /api with "unknown": read discovery once without --as (kubectl caches
  // it per server), as a user of the kubeconfig would have.
  assert.equal((await g.kubectl(kubeconfig, ['-n', 'team-a', 'get', 'pods'])).code, 0)
  const raw = await g.kubectl(kubeconfig, ['--as', 'admin', 'get', '--raw', '/api/v1/namespaces/team-a/pods'])
  assert.match(raw.stderr, /Forbidden.*Impersonate-\*/)
  const as = await g.kubectl(kubeconfig, ['--as', 'admin', '-n', 'team-a', 'get', 'pods'])
  assert.notEqual(as.code, 0)
  assert.match(as.stderr, /Forbidden.*Impersonate-\*/)
  const asGroup = await g.kubectl(kubeconfig, [
    '--as',
    'x',
    '--as-group',
    'system:masters',
    '-n',
    'team-a',
    'get',
    'pods',
  ])
  assert.match(asGroup.stderr, /Impersonate/)
  // A grant whose impersonated group has no RBAC rights: the real server refuses it, naming the grant's user.
  const powerless = await g.grant('list:pods@team-a', g.powerlessId)
  const refused = await g.kubectl(powerless.kubeconfig, ['-n', 'team-a', 'get', 'pods'])
  assert.match(
    refused.stderr,
    new RegExp(`User "taskgate:grant:${powerless.grant.id}" cannot list resource "pods"`),
  )
  assert.ok(grant.id)
})

test('discovery, version and OpenAPI are implicit; apply (client- and server-side), patch and delete work with their verbs', async () => {
  const { kubeconfig } = await g.grant(
    'get:configmaps@team-a,create:configmaps@team-a,patch:configmaps@team-a,delete:configmaps/cm1@team-a,list:configmaps@team-a',
  )
  assert.equal((await g.kubectl(kubeconfig, ['version'])).code, 0)
  const cm = (v: string) =>
    `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1","namespace":"team-a"},"data":{"v":"${v}"}}`
  const created = await g.kubectl(kubeconfig, ['apply', '-f', '-'], cm('1'))
  assert.equal(created.code, 0, created.stderr)
  const updated = await g.kubectl(kubeconfig, ['apply', '-f', '-'], cm('2'))
  assert.equal(updated.code, 0, updated.stderr)
  const ssa = await g.kubectl(kubeconfig, ['apply', '--server-side', '--force-conflicts', '-f', '-'], cm('3'))
  assert.equal(ssa.code, 0, ssa.stderr)
  const patched = await g.kubectl(kubeconfig, [
    '-n',
    'team-a',
    'patch',
    'configmap',
    'cm1',
    '-p',
    '{"data":{"w":"4"}}',
  ])
  assert.equal(patched.code, 0, patched.stderr)
  assert.match(
    await api.kubectl(['-n', 'team-a', 'get', 'cm', 'cm1', '-o', 'jsonpath={.data}']),
    /"v":"3".*"w":"4"|"w":"4".*"v":"3"/,
  )
  for (let i = 0; i < 5; i++) await api.kubectl(['-n', 'team-a', 'create', 'configmap', `page-${i}`])
  const chunked = await g.kubectl(kubeconfig, [
    '-n',
    'team-a',
    'get',
    'configmaps',
    '--chunk-size=2',
    '-o',
    'name',
  ])
  assert.equal(chunked.code, 0, chunked.stderr)
  assert.equal(chunked.stdout.split('\n').filter((l) => l.startsWith('configmap/page-')).length, 5)
  const deleted = await g.kubectl(kubeconfig, ['-n', 'team-a', 'delete', 'configmap', 'cm1'])
  assert.equal(deleted.code, 0, deleted.stderr)
  const notThat = await g.kubectl(kubeconfig, ['-n', 'team-a', 'delete', 'configmap', 'page-0'])
  assert.match(notThat.stderr, /missing scope: delete:configmaps:page-0@team-a/)
})

test('a watch streams events as they happen', async () => {
  const { kubeconfig } = await g.grant('list:pods@team-a,watch:pods@team-a')
  const watch = watchKubectl(kubeconfig, ['-n', 'team-a', 'get', 'pods', '--watch', '-o', 'name'])
  await watch.until(/pod\/web/)
  await api.kubectl(['-n', 'team-a', 'run', 'watched', '--image=busybox'])
  await watch.until(/pod\/watched/)
  await watch.stop()
})

test('lists across namespaces show only what the grant covers; namespaces only the granted ones', async () => {
  const { kubeconfig } = await g.grant('list:pods@team-a')
  const all = await g.kubectl(kubeconfig, ['get', 'pods', '-A', '-o', 'name'])
  assert.equal(all.code, 0, all.stderr)
  assert.match(all.stdout, /pod\/web/)
  assert.doesNotMatch(all.stdout, /pod\/db/)
  const table = await g.kubectl(kubeconfig, ['get', 'pods', '-A'])
  assert.match(table.stdout, /team-a\s+web/)
  assert.doesNotMatch(table.stdout, /team-b/)
  const namespaces = await g.kubectl(kubeconfig, ['get', 'namespaces', '-o', 'name'])
  assert.equal(namespaces.code, 0, namespaces.stderr)
  assert.deepEqual(namespaces.stdout.trim().split('\n'), ['namespace/team-a'])
  const nothing = await g.grant('list:configmaps@team-a')
  const denied = await g.kubectl(nothing.kubeconfig, ['get', 'pods', '-A'])
  assert.match(denied.stderr, /missing scope: list:pods:\*@/)
})

test('Secret values are masked unless the grant names get on Secrets explicitly', async () => {
  const wide = await g.grant('*:*')
  const masked = await g.kubectl(wide.kubeconfig, [
    '-n',
    'team-a',
    'get',
    'secret',
    's1',
    '-o',
    'jsonpath={.data.password}',
  ])
  assert.equal(masked.code, 0, masked.stderr)
  assert.equal(Buffer.from(masked.stdout, 'base64').toString(), '<masked by taskgate>')
  const listed = await g.kubectl(wide.kubeconfig, ['-n', 'team-a', 'get', 'secrets', '-o', 'json'])
  assert.doesNotMatch(listed.stdout, new RegExp(Buffer.from('hunter2').toString('base64')))
  const explicit = await g.grant('get:secrets/s1@team-a')
  const shown = await g.kubectl(explicit.kubeconfig, [
    '-n',
    'team-a',
    'get',
    'secret',
    's1',
    '-o',
    'jsonpath={.data.password}',
  ])
  assert.equal(Buffer.from(shown.stdout, 'base64').toString(), 'hunter2')
})

test('guardrails: deleting a namespace waits for a person; exec into kube-system is denied', async () => {
  await api.kubectl(['create', 'namespace', 'doomed'])
  const { kubeconfig } = await g.grant('*:*')
  const del = g.kubectl(kubeconfig, ['delete', 'namespace', 'doomed', '--wait=false'])
  let approvalId: string | undefined
  while (!approvalId) {
    const pending = await g.gateway.core.listApprovals(g.approver, { status: 'pending' } as never)
    approvalId = pending.find((a) => a.subject === 'action')?.id
    if (!approvalId) await new Promise((r) => setTimeout(r, 200))
  }
  await g.gateway.core.decideApproval(g.approver, approvalId, 'approve', 'cleanup ticket')
  const done = await del
  assert.equal(done.code, 0, done.stderr)
  // kubectl reads the pod first (a real one, Pending: no kubelet), then asks to exec: that is what is refused.
  await api.kubectl(['-n', 'kube-system', 'run', 'sys', '--image=busybox'])
  const exec = await g.kubectl(kubeconfig, ['-n', 'kube-system', 'exec', 'sys', '--', 'ls'])
  assert.match(exec.stderr, /no-exec-kube-system/)
})

test('a grant that ends stops its kubeconfig and cuts its open watch', async () => {
  const { kubeconfig, grant } = await g.grant('list:pods@team-a,watch:pods@team-a')
  const watch = watchKubectl(kubeconfig, ['-n', 'team-a', 'get', 'pods', '--watch', '-o', 'name'])
  await watch.until(/pod\/web/)
  await g.gateway.core.endGrant(g.agent, grant.id)
  await watch.exited
  const after = await g.kubectl(kubeconfig, ['-n', 'team-a', 'get', 'pods'])
  assert.notEqual(after.code, 0)
  assert.match(after.stderr, /grant/i)
})

test('kubectl logs reaches the real API server under the grant (an empty log: the pod never ran)', async () => {
  const { kubeconfig, grant } = await g.grant('get:pods@team-a,get:pods/log@team-a')
  const logs = await g.kubectl(kubeconfig, ['-n', 'team-a', 'logs', 'web'])
  assert.equal(logs.code, 0, logs.stderr)
  assert.equal(logs.stdout, '')
  const sessions = await g.gateway.core.listSessions(g.agent, { grantId: grant.id })
  const actions = (await Promise.all(sessions.map((s) => g.gateway.core.getSession(g.agent, s.id)))).flatMap(
    (s) => s.actions,
  )
  assert.ok(actions.some((a) => a.kind === 'get pods/log' && a.outcome === 'allow'))
})

test('a watch across namespaces shows only the granted namespace, events included', async () => {
  const { kubeconfig } = await g.grant('list:pods@team-a,watch:pods@team-a')
  const watch = watchKubectl(kubeconfig, ['get', 'pods', '-A', '--watch', '-o', 'name'])
  await watch.until(/pod\/web/)
  await api.kubectl(['-n', 'team-b', 'run', 'hidden-b', '--image=busybox'])
  await api.kubectl(['-n', 'team-a', 'run', 'shown-a', '--image=busybox'])
  await watch.until(/pod\/shown-a/)
  await watch.stop()
  assert.doesNotMatch(watch.stdout, /hidden-b|pod\/db/)
})

test('a configured pattern guardrail reads the request line, also after the same request allowed otherwise', async () => {
  const { kubeconfig } = await g.grant('create:configmaps@team-a')
  const allowed = await g.kubectl(kubeconfig, ['-n', 'team-a', 'create', 'configmap', 'dry-1'])
  assert.equal(allowed.code, 0, allowed.stderr)
  // The same needs and traits as the allowed create (the name is in the body): only the line differs
  // (?dryRun=All), and the rule reads it.
  const refused = await g.kubectl(kubeconfig, [
    '-n',
    'team-a',
    'create',
    'configmap',
    'dry-2',
    '--dry-run=server',
  ])
  assert.match(refused.stderr, /no-dry-run/, `${refused.code} ${refused.stdout}`)
})

/** A GET through the gateway with a grant's kubeconfig token and CA, as client-go sends it with `Accept`. */
async function getAs(kubeconfig: string, path: string, accept: string) {
  const kc = parse(await readFile(kubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: { server: string; 'certificate-authority-data': string } }>
    users: Array<{ user: { token: string } }>
  }
  const url = new URL(path, kc.clusters[0]!.cluster.server)
  const ca = Buffer.from(kc.clusters[0]!.cluster['certificate-authority-data'], 'base64').toString()
  return new Promise<{ status: number; type: string; body: Buffer }>((resolve, reject) => {
    const req = https.get(
      url,
      { ca, headers: { accept, authorization: `Bearer ${kc.users[0]!.user.token}` } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body: Buffer.concat(chunks),
          }),
        )
      },
    )
    req.on('error', reject)
  })
}

test('a client asking for protobuf gets JSON where the gateway filters or masks, protobuf elsewhere', async () => {
  const { kubeconfig } = await g.grant('list:pods@team-a,get:pods@team-a,*:secrets@team-a')
  for (const accept of [
    'application/vnd.kubernetes.protobuf',
    'application/vnd.kubernetes.protobuf, application/json',
    'application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io, application/json',
  ]) {
    // A list across namespaces the grant covers in part: filtered, so negotiated to JSON.
    const all = await getAs(kubeconfig, '/api/v1/pods', accept)
    assert.equal(all.status, 200, all.body.toString())
    assert.match(all.type, /^application\/json/, accept)
    const items = (
      JSON.parse(all.body.toString()) as { items: Array<{ metadata: { name: string; namespace: string } }> }
    ).items
    assert.ok(
      items.some((i) => i.metadata.name === 'web'),
      accept,
    )
    // Only team-a's pods (other tests add some there): team-b's db is filtered out.
    assert.deepEqual([...new Set(items.map((i) => i.metadata.namespace))], ['team-a'], accept)
    // A Secret: masked, so JSON too.
    const secret = await getAs(kubeconfig, '/api/v1/namespaces/team-a/secrets/s1', accept)
    assert.equal(secret.status, 200, secret.body.toString())
    assert.match(secret.type, /^application\/json/)
    assert.doesNotMatch(secret.body.toString(), new RegExp(Buffer.from('hunter2').toString('base64')))
  }
  // A path the gateway relays as it is keeps what the client asked for.
  const plain = await getAs(
    kubeconfig,
    '/api/v1/namespaces/team-a/pods/web',
    'application/vnd.kubernetes.protobuf',
  )
  assert.equal(plain.status, 200)
  assert.equal(plain.type, 'application/vnd.kubernetes.protobuf')
  assert.ok(
    plain.body.subarray(0, 4).equals(Buffer.from([0x6b, 0x38, 0x73, 0x00])),
    'the protobuf envelope (k8s\\0)',
  )
})

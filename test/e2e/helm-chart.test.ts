// The Helm chart (deploy/helm/taskgate) rendered without helm (test/support/helm-subset.ts: no helm binary
// can be had here, so `helm template` and `helm lint` are never run) and its manifests checked by a real
// kube-apiserver 1.20 (scripts/build-kube-apiserver.sh): `kubectl apply --dry-run=server --validate=strict`
// validates every object against the server's OpenAPI schema (unknown or mistyped fields are refused) and
// runs its admission. What 1.20 cannot check: PodDisruptionBudget policy/v1 (1.21+: the v1beta1 form with
// the same spec is checked instead) and the ServiceMonitor (a prometheus-operator CRD the server does not
// have: checked only as YAML here).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { parseConfigText } from '../../src/config/load.ts'
import { renderChart } from '../support/helm-subset.ts'
import {
  type KubeApiserver,
  kubeApiserverBinary,
  startKubeApiserver,
} from '../support/start-kube-apiserver.ts'

const CHART = fileURLToPath(new URL('../../deploy/helm/taskgate', import.meta.url))

// biome-ignore lint/suspicious/noExplicitAny: parsed manifests are walked freely by the assertions
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; spec?: any; data?: any }

function manifests(values: Record<string, unknown>): Manifest[] {
  const docs: Manifest[] = []
  for (const [file, text] of renderChart(CHART, values)) {
    for (const doc of parseAllDocuments(text)) {
      assert.deepEqual(doc.errors, [], `${file} is valid YAML`)
      const value = doc.toJS() as Manifest | null
      if (value) docs.push(value)
    }
  }
  return docs
}

const byKind = (docs: Manifest[], kind: string) => docs.find((d) => d.kind === kind)

test('the rendered chart: probes on the health routes, non-root with a read-only root, PDB, ports, config', () => {
  const docs = manifests({ serviceMonitor: { enabled: true } })
  assert.deepEqual(docs.map((d) => d.kind).sort(), [
    'ConfigMap',
    'Deployment',
    'PodDisruptionBudget',
    'Service',
    'ServiceMonitor',
  ])
  const deployment = byKind(docs, 'Deployment')!
  const pod = deployment.spec.template.spec
  const [container] = pod.containers
  assert.equal(deployment.spec.replicas, 2)
  assert.equal(container.livenessProbe.httpGet.path, '/v1/health/live')
  assert.equal(container.readinessProbe.httpGet.path, '/v1/health/ready')
  assert.equal(pod.securityContext.runAsNonRoot, true)
  assert.equal(pod.securityContext.runAsUser, 10001, 'the image’s taskgate user')
  assert.equal(container.securityContext.readOnlyRootFilesystem, true)
  assert.deepEqual(container.securityContext.capabilities.drop, ['ALL'])
  assert.deepEqual(
    container.volumeMounts.map((m: { mountPath: string }) => m.mountPath).sort(),
    ['/etc/taskgate', '/tmp', '/var/lib/taskgate'],
    'writable only where the gateway writes',
  )
  assert.ok(pod.terminationGracePeriodSeconds > 30, 'longer than the default drain')
  const url = container.env.find((e: { name: string }) => e.name === 'TASKGATE_DATABASE_URL')
  assert.deepEqual(
    url.valueFrom.secretKeyRef,
    { name: 'taskgate-store', key: 'url' },
    'the store URL from a Secret',
  )
  const service = byKind(docs, 'Service')!
  assert.deepEqual(
    service.spec.ports.map((p: { name: string; port: number }) => [p.name, p.port]),
    [
      ['api', 8470],
      ['app-db', 15432],
    ],
  )
  assert.equal(byKind(docs, 'PodDisruptionBudget')!.spec.maxUnavailable, 1)
  // The shipped default config is one the gateway accepts.
  const config = parseConfigText(byKind(docs, 'ConfigMap')!.data['taskgate.yaml'], 'values.yaml config')
  assert.equal(config.resources[0]?.listen.advertise?.host, 'taskgate.example.internal')
  // A config change changes the pod template (a rollout).
  const changed = byKind(manifests({ config: 'resources: []\npolicies: []\n' }), 'Deployment')!
  assert.notEqual(
    changed.spec.template.metadata.annotations['checksum/config'],
    deployment.spec.template.metadata.annotations['checksum/config'],
  )
})

const haveApiserver = (() => {
  try {
    return existsSync(kubeApiserverBinary())
  } catch {
    return false
  }
})()

let kube: KubeApiserver | undefined
before(async () => {
  if (haveApiserver) kube = await startKubeApiserver()
})
after(async () => {
  await kube?.[Symbol.asyncDispose]()
})

/** Every object of the render, as one YAML stream, server-side dry-run in namespace `taskgate`. */
function dryRun(docs: Manifest[]): Promise<string> {
  const stream = docs.map((d) => `---\n${JSON.stringify(d)}\n`).join('')
  return kube!.kubectl(
    ['apply', '-n', 'taskgate', '--dry-run=server', '--validate=strict', '-f', '-'],
    stream,
  )
}

// 1.20 serves PodDisruptionBudget as policy/v1beta1 only; the ServiceMonitor CRD is not installed.
const FOR_1_20 = { podDisruptionBudget: { apiVersion: 'policy/v1beta1' }, serviceMonitor: { enabled: false } }

test('a real kube-apiserver accepts every object (server-side dry run, strict schema validation)', {
  skip: !haveApiserver && 'kube-apiserver not built (scripts/build-kube-apiserver.sh)',
}, async () => {
  await kube!.kubectl(['create', 'namespace', 'taskgate'])
  const docs = manifests({
    ...FOR_1_20,
    secret: { create: true, stringData: { url: 'postgres://taskgate@store:5432/taskgate' } },
    env: [{ name: 'APP_DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'app-db', key: 'password' } } }],
    imagePullSecrets: [{ name: 'registry' }],
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gateways', effect: 'NoSchedule' }],
    podAnnotations: { 'example.com/team': 'platform' },
    service: { type: 'LoadBalancer', annotations: { 'example.com/lb': 'internal' } },
  })
  const out = await dryRun(docs)
  for (const kind of ['configmap', 'secret', 'deployment.apps', 'service', 'poddisruptionbudget.policy'])
    assert.match(out, new RegExp(`^${kind}/tg-taskgate|^${kind}/taskgate-store`, 'm'), out)
  assert.equal((out.match(/\(server dry run\)/g) ?? []).length, 5, out)
})

test('the dry run is a real check: a mistyped field in the values is refused by the server', {
  skip: !haveApiserver && 'kube-apiserver not built',
}, async () => {
  const docs = manifests({ ...FOR_1_20, securityContext: { readOnlyRootFS: true } })
  await assert.rejects(dryRun(docs), /readOnlyRootFS|unknown field/)
})

// The Kubernetes resource kind as data: its configuration, scope verbs (the API server's request verbs),
// built-in guardrails, the canonical form of its scope objects and how kubectl reaches it. The engine is
// protocols/kubernetes/.
import { z } from 'zod'
import { resourceListen, secretRef, tlsFiles } from '../config/schema-parts.ts'
import { kubernetesScopeObject } from './kubernetes-scope.ts'
import type { ResourceKind } from './resource-kind.ts'
import { SSH_GUARDRAILS } from './ssh-guardrails.ts'
import { terminalRecordingSchema } from './terminal-recording.ts'

export const kubernetesResourceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected lowercase letters, digits and dashes'),
  kind: z.literal('kubernetes'),
  description: z.string().default(''),
  listen: resourceListen.describe('where kubectl connects (HTTPS) to reach this cluster'),
  target: z
    .strictObject({
      server: z
        .string()
        .regex(/^https:\/\/[^/\s]+$/, 'expected https://host:port')
        .describe('the API server, as in a kubeconfig cluster `server`'),
      caFile: z.string().optional().describe('PEM file of the CA that signed the API server certificate'),
      token: secretRef
        .optional()
        .describe("the gateway's own bearer token (a service account allowed to impersonate)"),
      clientCert: tlsFiles
        .optional()
        .describe("the gateway's own client certificate, instead of or beside `token`"),
    })
    .describe('the real API server and the credential the gateway talks to it with'),
  impersonate: z
    .strictObject({
      groups: z
        .array(z.string().min(1))
        .default(['taskgate:grants'])
        .describe(
          "groups every grant's identity is given (Impersonate-Group); bind them to the role the gateway's grants may at most use",
        ),
    })
    .default({ groups: ['taskgate:grants'] })
    .describe(
      'the identity requests reach the API server as: user `taskgate:grant:<grant id>` in these groups',
    ),
  tls: tlsFiles
    .optional()
    .describe(
      'certificate for kubectl; when absent one is generated at first start and kept in <store.dir>/tls/<id>.crt (SANs: the listen and advertised hosts, 127.0.0.1, ::1, localhost); kubeconfigs embed it',
    ),
  clients: z
    .strictObject({
      maxStreamsPerGrant: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(4)
        .describe('exec, attach and port-forward streams one grant may hold open at once'),
      maxRequestsPerGrant: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(128)
        .describe(
          'requests one grant may have in flight at once, watches and streams included (kubectl reads discovery in parallel)',
        ),
    })
    .default({ maxStreamsPerGrant: 4, maxRequestsPerGrant: 128 })
    .describe('how clients use this resource'),
  recording: terminalRecordingSchema(
    'bytes of exec/attach terminal recording kept per session (one per grant credential); past it the streams go on and the recording says where it stopped',
    'exec and attach terminal recording (asciicast v2 under store.dir/recordings/kubernetes/, 0600), replayed in the console',
  ),
})

/** The API server's request verbs (k8s.io/apiserver RequestInfo) and, for non-resource URLs, the lower-case
 * HTTP method. */
export const KUBERNETES_SCOPE_VERBS = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'proxy',
  // Per-command exec entries, `exec:<pod>@<namespace>:<command>` (kubernetes-exec-scope.ts).
  'exec',
  'post',
  'put',
  'head',
  'options',
]

export const kubernetesKind: ResourceKind = {
  name: 'kubernetes',
  scopeVerbs: KUBERNETES_SCOPE_VERBS,
  defaultGuardrails: [
    {
      id: 'hold-namespace-delete',
      description: 'deleting a namespace deletes everything in it: a person approves it first',
      action: 'approve',
      traits: ['delete-namespace'],
    },
    {
      id: 'hold-crd-delete',
      description:
        'deleting a CustomResourceDefinition deletes every object of its kind: a person approves it',
      action: 'approve',
      traits: ['delete-crd'],
    },
    {
      id: 'hold-pv-delete',
      description: 'deleting a PersistentVolume can lose its data: a person approves it first',
      action: 'approve',
      traits: ['delete-pv'],
    },
    {
      id: 'no-exec-kube-system',
      description: 'exec, attach and port-forward into kube-system reach the control plane; never allowed',
      action: 'deny',
      traits: ['exec-kube-system'],
    },
    // `kubectl exec` commands are read with the SSH command rules and carry their traits (exec-command.ts).
    ...SSH_GUARDRAILS,
  ],
  canonicalScopeObject: kubernetesScopeObject,
  client: {
    /** kubectl reads no credential from the environment: `taskgate grant kubeconfig` writes a file, whose
     * path KUBECONFIG names. */
    environment: (c) => ({
      TASKGATE_KUBE_SERVER: `https://${hostInUrl(c.host)}:${c.port}`,
      TASKGATE_KUBE_TOKEN: `${c.user}.${c.password}`,
    }),
    argumentsFor: () => [],
    commandLine: (c) => `kubectl --server https://${hostInUrl(c.host)}:${c.port} (taskgate grant kubeconfig)`,
  },
}

const hostInUrl = (host: string): string => (host.includes(':') ? `[${host}]` : host)

// The registry of resource kinds. Adding a kind: its data module here (one line in each list below) and its
// engine under protocols/<kind>/, registered in main.ts's engine table.
import { httpKind, httpResourceSchema } from './http.ts'
import { kubernetesKind, kubernetesResourceSchema } from './kubernetes.ts'
import { withKubernetesExec } from './kubernetes-exec-scope.ts'
import { mysqlKind, mysqlResourceSchema } from './mysql.ts'
import { postgresKind, postgresResourceSchema } from './postgres.ts'
import type { ResourceKind, ScopeObjectMatcher } from './resource-kind.ts'
import { sshKind, sshResourceSchema } from './ssh.ts'
import { SSH_SCOPE_OBJECTS } from './ssh-scope.ts'

export type { ClientConnection, KindGuardrail, ResourceKind, ScopeObjectMatcher } from './resource-kind.ts'

/** Each kind's resource schema, for the configuration's `resources` (discriminated by `kind`). */
export const RESOURCE_SCHEMAS = [
  postgresResourceSchema,
  mysqlResourceSchema,
  httpResourceSchema,
  kubernetesResourceSchema,
  sshResourceSchema,
] as const

export const RESOURCE_KINDS: ReadonlyMap<string, ResourceKind> = new Map(
  [postgresKind, mysqlKind, httpKind, kubernetesKind, sshKind].map((kind) => [kind.name, kind]),
)

/** The kind of a configured resource; config validation guarantees it is registered. */
export function resourceKind(name: string): ResourceKind {
  const kind = RESOURCE_KINDS.get(name)
  if (!kind) throw new Error(`unregistered resource kind ${name}`)
  return kind
}

/** Verbs whose objects match by their own rules instead of a glob (core/grants/scope.ts reads this). A verb
 * is one kind's: a kind reusing one of these verbs gets its matcher (Kubernetes exec reuses SSH commands). */
export const SCOPE_OBJECT_MATCHERS: ReadonlyMap<string, ScopeObjectMatcher> = new Map([
  ...Object.entries(SSH_SCOPE_OBJECTS),
  // `exec` is SSH's (`exec:<login>:<command>`) and Kubernetes' (`exec:<pod>@<namespace>:<command>`).
  ['exec', withKubernetesExec(SSH_SCOPE_OBJECTS.exec)],
])

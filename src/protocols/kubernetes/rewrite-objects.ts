// What the gateway changes in an API response it reads: items of a list, rows of a server-side-printed Table
// (kubectl get) and watch events the grant does not cover are dropped (Teleport #42850: other namespaces'
// pods must not show), and a Secret's values are masked unless the grant names Secrets explicitly. Works on
// the decoded JSON of one response or one watch event; the caller bounds the bytes it decodes.

/** Decides one object of a response: whether it is shown, and whether its Secret values are. */
export interface ObjectPolicy {
  /** Undefined: every object is shown. */
  visible?: (name: string, namespace: string) => boolean
  /** Undefined: nothing is masked. */
  secretShown?: (name: string, namespace: string) => boolean
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration'
const MASKED = Buffer.from('<masked by taskgate>').toString('base64')

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

function metadataOf(o: Json): { name: string; namespace: string; meta?: Json } {
  const meta = isObject(o.metadata) ? o.metadata : undefined
  const name = typeof meta?.name === 'string' ? meta.name : ''
  const namespace = typeof meta?.namespace === 'string' ? meta.namespace : ''
  return { name, namespace, ...(meta ? { meta } : {}) }
}

/** Masks a Secret (or a Table row's partial object of one) in place: values of `data` and `stringData`, and
 * the client-side-apply annotation, which holds the whole object as applied. */
function maskSecret(o: Json): void {
  for (const field of ['data', 'stringData'] as const) {
    const values = o[field]
    if (!isObject(values)) continue
    for (const key of Object.keys(values)) values[key] = field === 'data' ? MASKED : '<masked by taskgate>'
  }
  const { meta } = metadataOf(o)
  const annotations = meta && isObject(meta.annotations) ? meta.annotations : undefined
  if (annotations && LAST_APPLIED in annotations) annotations[LAST_APPLIED] = '<masked by taskgate>'
}

/** Applies the policy to one object; false when it is not shown. */
function rewriteOne(o: Json, policy: ObjectPolicy): boolean {
  const { name, namespace } = metadataOf(o)
  if (policy.visible && !policy.visible(name, namespace)) return false
  if (policy.secretShown && !policy.secretShown(name, namespace)) maskSecret(o)
  return true
}

/** Rewrites a decoded response body in place: a list (`items`), a Table (`rows[].object`) or one object.
 * A Status (an error the server answered) passes unchanged. */
export function rewriteBody(body: unknown, policy: ObjectPolicy): unknown {
  if (!isObject(body) || body.kind === 'Status') return body
  if (Array.isArray(body.items)) {
    body.items = body.items.filter((item) => isObject(item) && rewriteOne(item, policy))
    dropCounts(body)
    return body
  }
  if (body.kind === 'Table' && Array.isArray(body.rows)) {
    body.rows = body.rows.filter((row) => {
      // A row without its object cannot be placed in a namespace: not shown when anything is filtered.
      if (!isObject(row) || !isObject(row.object)) return policy.visible === undefined
      return rewriteOne(row.object, policy)
    })
    dropCounts(body)
    return body
  }
  rewriteOne(body, policy)
  return body
}

/** A filtered page no longer has the server's count of what follows it. */
function dropCounts(body: Json): void {
  if (isObject(body.metadata)) delete body.metadata.remainingItemCount
}

/** One watch event (`{"type":…,"object":…}`): undefined when it is not shown. BOOKMARK and ERROR events
 * pass (they name no object of the grant's). */
export function rewriteWatchEvent(event: unknown, policy: ObjectPolicy): unknown {
  // Anything else (a whole list the server answered to what the gateway read as a watch) is never passed
  // on unread: the caller stops the watch.
  if (!isObject(event) || typeof event.type !== 'string' || !isObject(event.object))
    throw new Error('not a watch event')
  if (event.type === 'BOOKMARK' || event.type === 'ERROR') return event
  const object = event.object
  if (object.kind === 'Table') {
    rewriteBody(object, policy)
    return Array.isArray(object.rows) && object.rows.length === 0 ? undefined : event
  }
  return rewriteOne(object, policy) ? event : undefined
}

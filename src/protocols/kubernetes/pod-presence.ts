// A port-forward (or exec/attach) stream ends when its pod goes away (Teleport #54814: forwards outlived their
// pod): while the stream is open the pod is read every POD_CHECK_MS under the grant's identity, and the stream
// is cut once the pod is gone (404), being deleted, finished (Succeeded/Failed), or replaced by another pod of
// the same name (a different uid). A read that fails otherwise (the API server briefly unreachable) is not
// taken as the pod being gone.
import https from 'node:https'
import type { Grant } from '../../core/index.ts'
import { type KubeUpstream, upstreamHeaders } from './back.ts'

const POD_CHECK_MS = 2000
const MAX_POD_BYTES = 1024 * 1024

type PodState = { gone: string } | { uid: string } | undefined

function readPod(upstream: KubeUpstream, grant: Grant, namespace: string, name: string): Promise<PodState> {
  return new Promise((resolve) => {
    const req = https.get(
      {
        host: upstream.host,
        port: upstream.port,
        agent: upstream.agent,
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`,
        headers: upstreamHeaders(upstream, { accept: 'application/json' }, grant),
      },
      (res) => {
        if (res.statusCode === 404) {
          res.resume()
          return resolve({ gone: 'the pod was deleted' })
        }
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (c: Buffer) => {
          size += c.length
          if (size > MAX_POD_BYTES) res.destroy()
          else chunks.push(c)
        })
        res.on('end', () => resolve(res.statusCode === 200 ? stateOf(Buffer.concat(chunks)) : undefined))
        res.on('error', () => resolve(undefined))
      },
    )
    req.on('error', () => resolve(undefined))
    req.setTimeout(POD_CHECK_MS * 5, () => req.destroy())
  })
}

function stateOf(body: Buffer): PodState {
  try {
    const pod = JSON.parse(body.toString('utf8')) as {
      metadata?: { uid?: string; deletionTimestamp?: string }
      status?: { phase?: string }
    }
    if (pod.metadata?.deletionTimestamp) return { gone: 'the pod is being deleted' }
    const phase = pod.status?.phase
    if (phase === 'Succeeded' || phase === 'Failed') return { gone: `the pod has ${phase.toLowerCase()}` }
    return pod.metadata?.uid ? { uid: pod.metadata.uid } : undefined
  } catch {
    return undefined
  }
}

/** Checks the pod while a stream is open; calls `onGone` once (then stops). Returns the stop function. */
export function watchPodPresence(
  upstream: KubeUpstream,
  grant: Grant,
  pod: { namespace: string; name: string },
  onGone: (why: string) => void,
): () => void {
  let uid: string | undefined
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  const check = async () => {
    const state = await readPod(upstream, grant, pod.namespace, pod.name)
    if (stopped) return
    if (state && 'gone' in state) return finish(state.gone)
    if (state && uid !== undefined && state.uid !== uid) return finish('the pod was replaced by another')
    if (state) uid = state.uid
    timer = setTimeout(() => void check(), POD_CHECK_MS)
    timer.unref()
  }
  const finish = (why: string) => {
    stopped = true
    onGone(why)
  }
  void check()
  return () => {
    stopped = true
    if (timer) clearTimeout(timer)
  }
}

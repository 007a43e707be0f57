// Kubernetes' side of `policy replay` (issue 16): a recorded request line (`GET /api/v1/namespaces/a/pods?…`,
// an exec's with ` -- <command>` appended) classified again as the API server reads it (classify.ts). A list
// that was decided object by object (recorded as `… (filtered)`, needing nothing as a whole) replays so; the
// pieces of an exec/attach/port-forward stream are notes no policy decided and are not replayed.
import type { Action, Reclassify } from '../../core/index.ts'
import { classifyRequest, STREAM_SUBRESOURCES } from './classify.ts'

const FILTERED = ' (filtered)'

export const kubernetesReclassifier: Reclassify = (text, _resource, recorded) => {
  if (STREAM_SUBRESOURCES.has(recorded.kind.split(' ')[0] ?? '')) return undefined
  const space = text.indexOf(' ')
  const method = text.slice(0, space)
  // A request target holds no space: what follows one is the exec command, already in the query.
  const end = text.indexOf(' ', space + 1)
  const url = text.slice(space + 1, end === -1 ? undefined : end)
  if (space <= 0 || !url.startsWith('/')) throw new Error('the record is no request line')
  const { action } = classifyRequest(method, url)
  // A line cut short for recording (classify.ts, MAX_TEXT) may have lost what decided it.
  if (url.endsWith('…')) return { ...action, unclassified: 'the request line was recorded cut short' }
  if (recorded.kind.endsWith(FILTERED) && !action.unclassified) return filtered(action)
  return action
}

/** As serve-request.ts decides a list across namespaces partly covered: guardrails only, objects later. */
const filtered = (action: Action): Action => ({ ...action, kind: `${action.kind}${FILTERED}`, needs: [] })

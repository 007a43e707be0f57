// The command of a `kubectl exec` (its `command` query parameters, one per argv word, run without a shell),
// decided with the SSH engine's command rules (protocols/ssh/command, shared for this): read as an argument
// vector (classifyArgv: `;` is an argument, `sh -c '…'` is read as a script), given the same guardrail traits
// (recursive deletes of /, mkfs, curl | sh, …, the SSH kind's built-in guardrails, which the Kubernetes kind
// carries too), and refused the same way when it cannot be read. Its canonical form is the per-command need
// `exec:<pod>@<namespace>:<command>` (kinds/kubernetes-exec-scope.ts), asked for when the grant has no
// `create` entry covering the exec (serve-request.ts).
import { type Action, maskSecrets, type ScopeEntry } from '../../core/index.ts'
import { classifyArgv } from '../ssh/command/index.ts'
import { queryBool, type RequestInfo } from './request-info.ts'

/** The login the SSH classifier is given: a container's user is not known to the gateway. */
const CONTAINER_LOGIN = 'container'

/** The exec action with the command's traits and text (unclassified when the command cannot be read), and
 * the per-command need. */
export function withExecCommand(
  action: Action,
  info: RequestInfo,
  query: URLSearchParams,
): { action: Action; commandNeed?: ScopeEntry } {
  const argv = query.getAll('command')
  if (argv.length === 0) return { action: { ...action, unclassified: 'an exec request names no command' } }
  const command = classifyArgv(argv, CONTAINER_LOGIN)
  const text = `${action.text} -- ${command.text}`
  // Recordings, audit and approvers get the line with credentials the detectors find replaced, as SSH's
  // commands (`curl -H 'Authorization: Bearer eyJ…'`): in the query and in the command.
  const recordText = maskSecrets(text)
  if (command.unclassified !== undefined)
    return {
      action: { ...action, text, recordText, unclassified: `the exec command: ${command.unclassified}` },
    }
  // With a terminal (`kubectl exec -t`) the client drives the program by keystrokes once it runs (a pager's
  // `!sh`, which `git log` or `man` start on a terminal): it needs the pod's any-command entry (`…:*`).
  const terminal = queryBool(query.getAll('tty'))
  const form = terminal ? '*' : (command.needs[0]?.object.slice(CONTAINER_LOGIN.length + 1) ?? command.text)
  const traits = [...action.traits, ...command.traits, ...(terminal ? ['terminal'] : [])]
  return {
    action: { ...action, text, recordText, traits },
    commandNeed: {
      verb: 'exec',
      object: `${info.name.toLowerCase()}@${info.namespace.toLowerCase()}:${form}`,
    },
  }
}

// The command of a `kubectl exec` (its `command` query parameters, one per argv word), decided with the SSH
// engine's command rules (protocols/ssh/command, shared for this): read with the same bash grammar, given the
// same guardrail traits (recursive deletes of /, mkfs, curl | sh, …, the SSH kind's built-in guardrails, which
// the Kubernetes kind carries too), and refused the same way when it cannot be read. The argv is quoted into
// one command line as a shell would hand it to the program.
import type { Action } from '../../core/index.ts'
import { classifyExec } from '../ssh/command/index.ts'

/** The login the SSH classifier is given: a container's user is not known to the gateway. */
const CONTAINER_LOGIN = 'container'

const shellQuote = (word: string): string =>
  /^[A-Za-z0-9_./:=@%+,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`

/** The exec action with the command's traits and text, or unclassified when the command cannot be read. */
export function withExecCommand(action: Action, query: URLSearchParams): Action {
  const argv = query.getAll('command')
  if (argv.length === 0) return { ...action, unclassified: 'an exec request names no command' }
  const commandLine = argv.map(shellQuote).join(' ')
  const command = classifyExec(commandLine, CONTAINER_LOGIN)
  const text = `${action.text} -- ${commandLine}`
  if (command.unclassified !== undefined)
    return { ...action, text, unclassified: `the exec command: ${command.unclassified}` }
  return { ...action, text, traits: [...action.traits, ...command.traits] }
}

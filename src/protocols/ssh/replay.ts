// SSH's side of `policy replay` (issue 16): a recorded action classified again with the engine's own command
// classifier. The recorded text holds no login, so it is read from the recorded needs (`exec:<login>:…`,
// `shell:<login>`, `sftp-read:<login>:<path>`): a record without them (from before they were recorded) does
// not classify and replays as denied. Notes of what no policy decided (an SFTP rename that took two decided
// paths, a refused forwarding request) are not replayed.
import type { ResourceConfig } from '../../config/schema.ts'
import type { Action, Reclassify, ScopeEntry } from '../../core/index.ts'
import { classifyExec, classifySession, classifySftp, classifyShellInput } from './command/index.ts'
import { planLine } from './plan.ts'

/** What relay-shell.ts records for input the terminal did not echo (a password): no line to read again. */
const UNECHOED = /^\(\d+ characters the terminal did not echo\)$/

export const sshReclassifier: Reclassify = (text, resource, recorded) => {
  const { kind } = recorded
  if (kind === 'plan') return planAgain(text, resource)
  if (kind === 'exec') return execAgain(text, loginOf(recorded.needs), recorded.needs)
  // A typed line recorded before its needs were (they name the login) was only ever checked by the tripwire.
  if (kind === 'shell-input')
    return recorded.needs?.length && !UNECHOED.test(text)
      ? classifyShellInput(text, loginOf(recorded.needs))
      : undefined
  if (kind === 'shell' && text === 'shell') return classifySession('shell', loginOf(recorded.needs))
  if (kind === 'port-forward' && text.startsWith('port-forward '))
    return classifySession('port-forward', loginOf(recorded.needs), text.slice('port-forward '.length))
  if ((kind === 'sftp-read' || kind === 'sftp-write') && text.startsWith(`${kind} `))
    return sftpAgain(kind, text.slice(kind.length + 1), loginOf(recorded.needs))
  return undefined
}

/** A command with a command form recorded as needing the whole login ran with a terminal: read it so again. */
function execAgain(text: string, login: string, needs: readonly ScopeEntry[] | undefined): Action {
  const action = classifyExec(text, login)
  const form = action.needs[0]?.object.includes(':') === true
  return form && needs?.[0]?.object === login ? classifyExec(text, login, { terminal: true }) : action
}

/** The recorded path is already normalised (`~` is the home, `~/x` under it): read back as the client's. */
function sftpAgain(kind: 'sftp-read' | 'sftp-write', path: string, login: string): Action {
  return classifySftp(kind === 'sftp-read' ? 'read' : 'write', path === '~' ? '.' : path, login)
}

function loginOf(needs: readonly ScopeEntry[] | undefined): string {
  const object = needs?.[0]?.object
  const login = object?.split(':')[0]
  if (!login || login === '?') throw new Error('the record names no login')
  return login
}

/** A planned command as stored (`<login>$ <command>`, plan.ts), decided again when the plan is checked. */
function planAgain(text: string, resource: ResourceConfig): Action {
  const { login, command } = planLine(text, resource)
  if (login === undefined) throw new Error('the planned command names no login')
  return classifyExec(command, login)
}

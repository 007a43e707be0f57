// SSH plans (issue 16, `grant request --from-plan`): one exec command per line, each classified with the
// engine's own command classifier. With several logins a line names its login as a prompt would:
// `deploy$ systemctl restart app` (only a configured login counts as one). A command's shape, what the
// session's commands are compared with to flag those off the plan, is its canonical form without the login
// (recorded exec text holds no login), or its spacing-collapsed line when it is no plain sequence of commands.
import type { ResourceConfig } from '../../config/schema.ts'
import { type Action, maskSecrets, type PlannedStatement } from '../../core/index.ts'
import { classifyExec } from './command/index.ts'

const loginsOf = (resource: ResourceConfig): readonly string[] =>
  resource.kind === 'ssh' ? resource.logins : []

/** A plan line as login and command: the login named by a `<login>$ ` prompt, else the resource's only one. */
export function planLine(line: string, resource: ResourceConfig): { login?: string; command: string } {
  const logins = loginsOf(resource)
  const space = line.indexOf(' ')
  const prompt = space > 1 && line[space - 1] === '$' ? line.slice(0, space - 1) : undefined
  if (prompt !== undefined && logins.includes(prompt))
    return { login: prompt, command: line.slice(space + 1).trim() }
  return logins.length === 1 ? { login: logins[0]!, command: line } : { command: line }
}

export function sshPlanStatements(text: string, resource: ResourceConfig): PlannedStatement[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const { login, command } = planLine(line, resource)
      // Without a login the line is still shaped (to compare recorded commands), never planned.
      const action = classifyExec(command, login ?? loginsOf(resource)[0] ?? 'root')
      const planned: PlannedStatement = {
        text: login === undefined ? maskSecrets(command) : `${login}$ ${maskSecrets(command)}`,
        needs: action.needs,
        shape: shapeOf(action, command),
      }
      const why =
        login === undefined
          ? `the resource has several logins (${loginsOf(resource).join(', ')}): write the line as "<login>$ <command>"`
          : action.unclassified
      if (why !== undefined) planned.unclassified = why
      return planned
    })
}

function shapeOf(action: Action, command: string): string {
  const object = action.needs[0]?.object ?? ''
  const colon = object.indexOf(':')
  return colon === -1 ? `line ${command.split(/\s+/).join(' ')}` : `exec ${object.slice(colon + 1)}`
}

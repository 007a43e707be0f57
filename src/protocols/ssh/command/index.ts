// SSH commands into core Actions (protocol `ssh`): exec command lines read with the bash grammar, interactive
// shell input lines as a best-effort tripwire, SFTP operations per path, session requests per login. Used by
// the SSH engine (protocols/ssh) and, for `kubectl exec` commands, by the Kubernetes engine.
import { posix } from 'node:path'
import type { Action } from '../../../core/index.ts'
import { hasControl, hasInvisible, quoteWord } from '../../../kinds/ssh-command-pattern.ts'
import { SSH_SCOPE_VERBS } from '../../../kinds/ssh-scope.ts'
import { analyseArgv, analyseCommandLine } from './analyse.ts'
import { MAX_COMMAND_LENGTH } from './grammar.ts'
import { writeTraits } from './protected-paths.ts'

export { MAX_COMMAND_LENGTH, SSH_SCOPE_VERBS }

// A login the gateway names in a scope entry: what useradd accepts (no `:` or `*`, which scope entries use).
const LOGIN = /^[A-Za-z0-9_.][A-Za-z0-9_.$-]{0,63}$/

/** An exec request's command line as an Action: needs `exec:<login>:<canonical command>` when the command is
 * a plain sequence of literal commands, else `exec:<login>`; unparseable or out of bounds: `unclassified`.
 * `terminal`: the exec runs with a pty, so the client drives the program by keystrokes once it runs (a pager's
 * `!sh`, an editor's `:!`, which `git log` or `man` start on a terminal): it needs the whole login, any
 * command, and carries the trait `terminal`. */
export function classifyExec(
  commandLine: string,
  login: string,
  options: { terminal?: boolean } = {},
): Action {
  const base = { protocol: 'ssh', kind: 'exec', text: commandLine }
  if (!LOGIN.test(login)) return refused(base, 'exec', login, `"${login}" is not a login name`)
  const read = analyseCommandLine(commandLine)
  if ('problem' in read) return refused(base, 'exec', login, read.problem)
  const object = read.form === undefined || options.terminal ? login : `${login}:${read.form}`
  return {
    ...base,
    needs: [{ verb: 'exec', object }],
    traits: options.terminal ? [...read.traits, 'terminal'].sort() : read.traits,
    parts: partsOf(read.commands, login),
  }
}

// Most words in an argument vector (Kubernetes exec); their total length is capped like a command line's.
const MAX_ARGV_WORDS = 1024

/** A command given as an argument vector and run without a shell (`kubectl exec pod -- ls -la`): needs
 * `exec:<login>:<words>` in the same canonical form (no operator can occur: `;` is an argument there), with
 * the same guardrail traits (`sh -c '…'` is read as a script). Used by the Kubernetes engine. */
export function classifyArgv(argv: readonly string[], login: string): Action {
  const text = argv.map((a) => quoteWord(a)).join(' ')
  const base = { protocol: 'ssh', kind: 'exec', text }
  if (!LOGIN.test(login)) return refused(base, 'exec', login, `"${login}" is not a login name`)
  if (argv.length === 0) return refused(base, 'exec', login, 'the command is empty')
  if (argv.length > MAX_ARGV_WORDS || text.length > MAX_COMMAND_LENGTH)
    return refused(base, 'exec', login, `the command is longer than ${MAX_COMMAND_LENGTH} characters`)
  if (argv.some((a) => hasInvisible(a)))
    return refused(base, 'exec', login, 'the command holds a control or invisible character')
  const read = analyseArgv(argv)
  if ('problem' in read) return refused(base, 'exec', login, read.problem)
  return {
    ...base,
    needs: [{ verb: 'exec', object: `${login}:${read.form}` }],
    traits: read.traits,
    parts: partsOf(read.commands, login),
  }
}

/** A line typed into an interactive shell, for the tripwire (best effort, see README): it needs only
 * `shell:<login>` and carries the same guardrail traits as an exec command. A line that does not parse on its
 * own (a loop's first line, line editing the recording could not undo) carries no traits, and is not refused:
 * the session was allowed as a shell, and its lines are recorded either way. */
export function classifyShellInput(line: string, login: string): Action {
  const base = { protocol: 'ssh', kind: 'shell-input', text: line }
  if (!LOGIN.test(login)) return refused(base, 'shell', login, `"${login}" is not a login name`)
  const read = analyseCommandLine(withoutTerminalControls(line))
  if ('problem' in read)
    return { ...base, needs: [{ verb: 'shell', object: login }], traits: ['unparsed-input'] }
  return {
    ...base,
    needs: [{ verb: 'shell', object: login }],
    traits: read.traits,
    parts: partsOf(read.commands, login),
  }
}

// ANSI escape sequences (CSI, OSC, two-byte ESC x) and other C0 controls left in a recorded input line by line
// editing: removed before the tripwire reads it, so a stray escape does not hide the command from it.
const TERMINAL_CONTROLS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal controls are what is removed
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?|\u001b[@-_]|[\u0000-\u0008\u000b-\u001f\u007f]/g

const withoutTerminalControls = (line: string): string => line.replace(TERMINAL_CONTROLS, '')

// PATH_MAX: a longer SFTP path is refused rather than normalised.
const MAX_PATH_LENGTH = 4096

/** An SFTP (or scp) read or write of one path: needs `sftp-read:<login>:<path>` / `sftp-write:…` with the
 * path normalised (`.`/`..` resolved; relative paths are under the login's home, written `~/…`). */
export function classifySftp(operation: 'read' | 'write', path: string, login: string): Action {
  const verb = operation === 'read' ? 'sftp-read' : 'sftp-write'
  const base = { protocol: 'ssh', kind: verb, text: `${verb} ${path}` }
  if (!LOGIN.test(login)) return refused(base, verb, login, `"${login}" is not a login name`)
  const normal = normalisedPath(path)
  if ('problem' in normal) return refused(base, verb, login, normal.problem)
  return {
    ...base,
    text: `${verb} ${normal.path}`,
    needs: [{ verb, object: `${login}:${normal.path}` }],
    traits: operation === 'write' ? pathWriteTraits(normal.path) : [],
  }
}

/** Opening a shell, or a port forwarding (`detail`: host:port), as the login. */
export function classifySession(verb: 'shell' | 'port-forward', login: string, detail?: string): Action {
  const base = { protocol: 'ssh', kind: verb, text: detail ? `${verb} ${detail}` : verb }
  if (!LOGIN.test(login)) return refused(base, verb, login, `"${login}" is not a login name`)
  if (detail !== undefined && (detail.length > 300 || !/^[A-Za-z0-9_.:[\]-]+$/.test(detail)))
    return refused(base, verb, login, 'the forwarding target is not host:port')
  if (detail !== undefined && verb === 'port-forward' && isNumericButNotDottedQuad(hostOf(detail)))
    return refused(
      base,
      verb,
      login,
      'the forwarding host is a number that is not a dotted-quad IPv4 address',
    )
  const object = verb === 'port-forward' && detail ? `${login}:${detail}` : login
  return { ...base, needs: [{ verb, object }], traits: [] }
}

const hostOf = (detail: string): string => detail.slice(0, Math.max(0, detail.lastIndexOf(':')))

const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])'
const DOTTED_QUAD = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`)
/** Parts inet_aton reads as numbers: decimal, octal (leading 0) or hex (0x). */
const NUMERIC_HOST = /^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+))*\.?$/i

/**
 * A host made of numbers is an address only in its canonical dotted-quad form: a scope `10.0.0.*` must
 * not cover `10.0.0.1.2` (not an address: the target looks it up in DNS, search domains appended) nor
 * `10.0.0.012` / `0x0a.0.0.1` (octal and hex forms inet_aton reads as other addresses).
 */
function isNumericButNotDottedQuad(host: string): boolean {
  return NUMERIC_HOST.test(host) && !DOTTED_QUAD.test(host)
}

/** Each command found (through wrappers and scripts too) as an `exec` entry, for guardrails' `needs`. */
const partsOf = (commands: readonly string[], login: string) =>
  commands.map((form) => ({ verb: 'exec', object: `${login}:${form}` }))

function refused(base: Omit<Action, 'needs' | 'traits'>, verb: string, login: string, why: string): Action {
  const object = LOGIN.test(login) ? login : '?'
  return { ...base, needs: [{ verb, object }], traits: [], unclassified: why }
}

function normalisedPath(path: string): { path: string } | { problem: string } {
  if (path.length > MAX_PATH_LENGTH) return { problem: 'the path is too long' }
  if (hasControl(path)) return { problem: 'the path holds a control character' }
  if (path === '') return { problem: 'the path is empty' }
  if (path.startsWith('/')) return { path: trimSlash(posix.normalize(path)) }
  const relative = posix.normalize(path.startsWith('~/') ? path.slice(2) : path)
  if (relative === '..' || relative.startsWith('../'))
    return { problem: 'the path leaves the home directory, whose location the gateway does not know' }
  return { path: relative === '.' ? '~' : `~/${trimSlash(relative)}` }
}

const trimSlash = (p: string): string => (p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p)

/** An SFTP write onto the files the command guardrails protect, or onto the directories that hold them: a
 * prepared directory renamed or linked into place as /etc/sudoers.d or a `.ssh` brings every file in it. */
function pathWriteTraits(path: string): string[] {
  const traits = new Set<string>()
  writeTraits(path, 'dest', traits)
  return [...traits].sort()
}

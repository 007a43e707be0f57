// The SSH scope verbs and how their objects match (`<login>[:<detail>]`): data core reads through the kind
// registry (kinds/index.ts), so scope checks, ceilings and config validation need no protocol code.
import type { ScopeObjectMatcher } from './resource-kind.ts'
import {
  type CommandToken,
  commandCovers,
  hasControl,
  tokenizeCommand,
  WILDCARD,
  wordCovers,
} from './ssh-command-pattern.ts'

/** Every verb the SSH classifier emits (protocols/ssh/command/), each per login user: `shell:root`,
 * `exec:deploy`, `exec:deploy:systemctl status *`, `sftp-read:deploy:/var/log/*`, `port-forward:deploy`. */
export const SSH_SCOPE_VERBS = ['shell', 'exec', 'sftp-read', 'sftp-write', 'port-forward'] as const

// A login (or a pattern of logins): what useradd accepts, plus `*`.
const LOGIN = /^[A-Za-z0-9_.*-][A-Za-z0-9_.*$-]{0,63}$/

function splitLogin(object: string): { login: string; detail?: string } {
  const colon = object.indexOf(':')
  return colon < 0 ? { login: object } : { login: object.slice(0, colon), detail: object.slice(colon + 1) }
}

const asGlob = (text: string): string => text.replaceAll('*', WILDCARD)

function loginMatcher(detail?: {
  problem(detail: string): string | undefined
  covers(pattern: string, object: string): boolean
}): ScopeObjectMatcher {
  return {
    caseSensitive: true,
    problem(object) {
      const { login, detail: rest } = splitLogin(object)
      if (!LOGIN.test(login)) return `"${login}" is not a login name (or a pattern of them)`
      if (rest === undefined) return undefined
      if (!detail) return 'this verb takes a login only, e.g. shell:root'
      return detail.problem(rest)
    },
    covers(pattern, object) {
      const outer = splitLogin(pattern)
      const inner = splitLogin(object)
      if (!wordCovers(asGlob(outer.login), asGlob(inner.login))) return false
      if (outer.detail === undefined) return true
      return inner.detail !== undefined && detail?.covers(outer.detail, inner.detail) === true
    },
  }
}

// Tokenized command patterns, bounded: a grant's entries are matched against every exec of its sessions.
const patternTokens = new Map<string, CommandToken[] | undefined>()
const MAX_CACHED_PATTERNS = 1024

function tokensOf(text: string): CommandToken[] | undefined {
  if (patternTokens.has(text)) return patternTokens.get(text)
  const read = tokenizeCommand(text)
  const tokens = 'tokens' in read ? read.tokens : undefined
  if (text.length <= 512) {
    if (patternTokens.size >= MAX_CACHED_PATTERNS) patternTokens.clear()
    patternTokens.set(text, tokens)
  }
  return tokens
}

// The last action command read: every entry of a grant is matched against the same one in turn.
let lastObject: { text: string; tokens: CommandToken[] | undefined } | undefined

function objectTokens(text: string): CommandToken[] | undefined {
  if (text.length <= 512) return tokensOf(text)
  if (lastObject?.text !== text) {
    const read = tokenizeCommand(text)
    lastObject = { text, tokens: 'tokens' in read ? read.tokens : undefined }
  }
  return lastObject.tokens
}

/** `exec:<login>:<command>`: a command pattern (ssh-command-pattern.ts); `*` alone is any command. */
const commandDetail = {
  problem(detail: string): string | undefined {
    if (detail.trim() === '*') return undefined
    const read = tokenizeCommand(detail)
    return 'problem' in read ? `command pattern "${detail}": ${read.problem}` : undefined
  },
  covers(pattern: string, command: string): boolean {
    if (pattern.trim() === '*') return true
    const outer = tokensOf(pattern)
    const inner = command.trim() === '*' ? undefined : objectTokens(command)
    return outer !== undefined && inner !== undefined && commandCovers(outer, inner)
  },
}

// Longest path or forwarding detail in a scope object (PATH_MAX).
const MAX_DETAIL = 4096

/** `sftp-read:<login>:<path>`: an absolute (or ~/) path whose `*` matches any run of characters, `/` too. */
const pathDetail = {
  problem(path: string): string | undefined {
    if (path.length > MAX_DETAIL) return 'the path is too long'
    if (!path.startsWith('/') && !path.startsWith('~/') && path !== '*')
      return `path "${path}" must be absolute (/var/log/*) or under the login's home (~/…)`
    if (hasControl(path)) return 'the path holds a control character'
    if (path.split('/').some((s) => s === '..' || s === '.')) return `path "${path}" holds . or .. segments`
    return undefined
  },
  covers: (pattern: string, path: string): boolean => wordCovers(asGlob(pattern), asGlob(path)),
}

/** `port-forward:<login>:<host>:<port>` with `*` anywhere (`localhost:*`). */
const forwardDetail = {
  problem(detail: string): string | undefined {
    if (detail.length > MAX_DETAIL || !/^[A-Za-z0-9_.:*[\]-]+$/.test(detail))
      return `forwarding "${detail}" must be host:port, e.g. localhost:5432`
    return undefined
  },
  covers: (pattern: string, detail: string): boolean =>
    addressShapeKept(pattern, detail) &&
    wordCovers(asGlob(pattern.toLowerCase()), asGlob(detail.toLowerCase())),
}

/** The host part of `host:port` (IPv6 in brackets keeps its colons). */
const hostOf = (detail: string): string => {
  const colon = detail.lastIndexOf(':')
  return colon < 0 ? detail : detail.slice(0, colon)
}

/** An address pattern (`10.0.0.*`) covers addresses only: otherwise its `*` also covers a name such as
 * `10.0.0.1.attacker.example`, which the target resolves to wherever its owner likes. */
function addressShapeKept(pattern: string, detail: string): boolean {
  const host = hostOf(pattern)
  if (!host.includes('*') || !/^[0-9.*]+$/.test(host)) return true
  return /^[0-9.*]+$/.test(hostOf(detail))
}

/** How objects of each SSH verb match (registered in kinds/index.ts). */
export const SSH_SCOPE_OBJECTS: Readonly<Record<(typeof SSH_SCOPE_VERBS)[number], ScopeObjectMatcher>> = {
  shell: loginMatcher(),
  exec: loginMatcher(commandDetail),
  'sftp-read': loginMatcher(pathDetail),
  'sftp-write': loginMatcher(pathDetail),
  'port-forward': loginMatcher(forwardDetail),
}

// Loads and validates the YAML configuration: precise errors (file, key path, expected vs got), unknown keys
// rejected, cross-references checked, and secrets resolved from the environment or files at start.
import { readFile } from 'node:fs/promises'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import {
  DEFAULT_GUARDRAILS,
  linearRegExpProblem,
  parseScopeEntry,
  SCOPE_VERBS,
  scopeObjectProblem,
  TaskgateError,
  unknownVerbProblem,
} from '../core/index.ts'
import { closestKey, knownKeysAt } from './known-keys.ts'
import { type Config, configSchema, type SecretRef } from './schema.ts'

export async function loadConfig(path: string): Promise<Config> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new TaskgateError('TG_CONFIG_INVALID', {
      message: `Cannot read the configuration file ${path}: ${(error as NodeJS.ErrnoException).code ?? error}.`,
      cause: error,
    })
  }
  return parseConfigText(text, path)
}

export function parseConfigText(text: string, file: string): Config {
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `${file}: ${e.message.split('\n')[0]}`)
    throw configError(file, lines)
  }
  const result = configSchema.safeParse(doc.toJS() ?? {}, { reportInput: true })
  if (!result.success)
    throw configError(
      file,
      result.error.issues.map((issue) => `${file}: ${describeIssue(issue)}`),
    )
  const problems = crossReferenceProblems(result.data).map((p) => `${file}: ${p}`)
  if (problems.length > 0) throw configError(file, problems)
  return result.data
}

/** A draft of the `policies:` section (a YAML document holding `policies:`) put in place of the running
 * configuration's: what the console's "apply as a draft" replays before anyone edits the file. */
export function withCandidatePolicies(current: Config, text: string, file: string): Config {
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length > 0)
    throw configError(
      file,
      doc.errors.map((e) => `${file}: ${e.message.split('\n')[0]}`),
    )
  const raw = doc.toJS() as { policies?: unknown } | null
  const result = configSchema.shape.policies.safeParse(raw?.policies, { reportInput: true })
  if (!result.success)
    throw configError(
      file,
      result.error.issues.map(
        (issue) => `${file}: ${describeIssue({ ...issue, path: ['policies', ...issue.path] })}`,
      ),
    )
  const candidate = { ...current, policies: result.data }
  const problems = crossReferenceProblems(candidate).map((p) => `${file}: ${p}`)
  if (problems.length > 0) throw configError(file, problems)
  return candidate
}

function configError(file: string, lines: string[]): TaskgateError {
  return new TaskgateError('TG_CONFIG_INVALID', {
    message: `The configuration ${file} is invalid:\n  ${lines.join('\n  ')}`,
    detail: lines.join('\n'),
  })
}

export function formatPath(path: PropertyKey[]): string {
  let out = ''
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key)
  return out || '(top level)'
}

const SECRET_KEYS = new Set(['password', 'secret', 'hashKey', 'databaseUrl', 'metricsToken'])

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path)
  // A value given where a secret reference belongs is likely the secret itself: never echo it.
  const secret = SECRET_KEYS.has(String(issue.path.at(-1)))
  const got =
    'input' in issue && issue.input !== undefined
      ? secret
        ? ', got a value (not shown)'
        : `, got ${JSON.stringify(issue.input)}`
      : ''
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownKeysAt(configSchema, issue.path)
      const named = issue.keys.map((k) => {
        const meant = closestKey(k, known)
        return meant ? `"${k}" (did you mean "${meant}"?)` : `"${k}"`
      })
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${named.join(', ')}`
    }
    case 'invalid_type':
      return `${where}: expected ${issue.expected}${issue.input === undefined ? ', got nothing (required)' : got}`
    case 'too_small':
    case 'too_big':
      return `${where}: ${issue.message}${got}`
    default:
      return `${where}: ${issue.message}${got}`
  }
}

function crossReferenceProblems(config: Config): string[] {
  const problems: string[] = []
  const ids = new Set<string>()
  const ports = new Map<number, string>()
  config.resources.forEach((r, i) => {
    if (ids.has(r.id)) problems.push(`resources[${i}].id: duplicate resource id "${r.id}"`)
    ids.add(r.id)
    if (r.listen.port !== 0) {
      const other = ports.get(r.listen.port)
      if (other)
        problems.push(`resources[${i}].listen.port: ${r.listen.port} is already used by resource "${other}"`)
      ports.set(r.listen.port, r.id)
    }
  })
  if (config.api.listen.advertise)
    problems.push('api.listen.advertise: the API is reached at api.publicUrl; set that instead')
  if (config.api.listen.port !== 0 && ports.has(config.api.listen.port)) {
    problems.push(
      `api.listen.port: ${config.api.listen.port} is already used by resource "${ports.get(config.api.listen.port)}"`,
    )
  }
  config.policies.forEach((p, i) => {
    p.resources.forEach((id, j) => {
      if (id !== '*' && !ids.has(id))
        problems.push(
          `policies[${i}].resources[${j}]: no resource "${id}" (known: ${[...ids].join(', ') || 'none'})`,
        )
    })
  })
  config.guardrails.forEach((g, i) => {
    g.resources.forEach((id, j) => {
      if (id !== '*' && !ids.has(id)) problems.push(`guardrails[${i}].resources[${j}]: no resource "${id}"`)
    })
    const m = g.match
    const builtIn = DEFAULT_GUARDRAILS.some((d) => d.id === g.id)
    if (
      !builtIn &&
      g.action !== 'off' &&
      !m.traits?.length &&
      !m.kinds?.length &&
      !m.needs?.length &&
      m.pattern === undefined
    ) {
      problems.push(
        `guardrails[${i}].match: give at least one of traits, kinds, needs or pattern (only a built-in rule's id may omit it)`,
      )
    }
  })
  problems.push(...scopeVerbProblems(config), ...regexProblems(config))
  const names = new Set<string>()
  config.agents.forEach((a, i) => {
    if (names.has(a.name)) problems.push(`agents[${i}].name: duplicate agent "${a.name}"`)
    names.add(a.name)
  })
  return problems
}

/** Regular expressions run on outside input, on the linear-time engine: one it cannot run is refused. */
function regexProblems(config: Config): string[] {
  const problems: string[] = []
  const check = (source: string, flags: string, path: string) => {
    const problem = linearRegExpProblem(source, flags)
    if (problem) problems.push(`${path}: ${problem}`)
  }
  config.guardrails.forEach((g, i) => {
    if (g.match.pattern !== undefined) check(g.match.pattern, 'i', `guardrails[${i}].match.pattern`)
  })
  config.masking.detectors.forEach((d, i) => {
    check(d.pattern, d.flags ?? '', `masking.detectors[${i}].pattern`)
  })
  config.masking.rules.forEach((r, i) => {
    r.columns?.forEach((c, j) => {
      const regex = /^\/(.+)\/([a-z]*)$/s.exec(c)
      if (regex)
        check(
          regex[1]!,
          regex[2]!.replaceAll('g', '').replaceAll('y', ''),
          `masking.rules[${i}].columns[${j}]`,
        )
    })
  })
  return problems
}

/** A command pattern (`exec:deploy:systemctl status *`) that does not read; the schema checked the shape. */
function objectProblem(entry: string): string | undefined {
  try {
    return scopeObjectProblem(parseScopeEntry(entry))
  } catch {
    return undefined
  }
}

/** A verb a policy or guardrail names must be one of the kinds of the resources it applies to, and an object
 * of a verb with its own grammar (an SSH command) must read in it. */
function scopeVerbProblems(config: Config): string[] {
  const problems: string[] = []
  const kindsOf = (ids: string[]) => {
    const applies = config.resources.filter((r) => ids.includes('*') || ids.includes(r.id))
    return applies.length > 0 ? [...new Set(applies.map((r) => r.kind))] : Object.keys(SCOPE_VERBS)
  }
  const check = (entries: readonly string[] | undefined, kinds: string[], path: string) => {
    entries?.forEach((entry, i) => {
      const problem =
        unknownVerbProblem(entry.slice(0, entry.indexOf(':')).toLowerCase(), kinds) ?? objectProblem(entry)
      if (problem) problems.push(`${path}[${i}]: ${problem}, got "${entry}"`)
    })
  }
  config.policies.forEach((p, i) => {
    check(p.ceiling, kindsOf(p.resources), `policies[${i}].ceiling`)
    check(p.autoApprove, kindsOf(p.resources), `policies[${i}].autoApprove`)
  })
  config.guardrails.forEach((g, i) => {
    check(g.match.needs, kindsOf(g.resources), `guardrails[${i}].match.needs`)
  })
  return problems
}

/** Reads a secret from the environment or a file; never logs its value. */
export async function resolveSecret(ref: SecretRef, where: string): Promise<string> {
  if ('env' in ref) {
    const value = process.env[ref.env]
    if (value === undefined || value === '') {
      throw new TaskgateError('TG_CONFIG_SECRET_MISSING', {
        message: `${where}: environment variable ${ref.env} is not set.`,
      })
    }
    return value
  }
  try {
    return (await readFile(ref.file, 'utf8')).replace(/\r?\n$/, '')
  } catch (error) {
    throw new TaskgateError('TG_CONFIG_SECRET_MISSING', {
      message: `${where}: cannot read secret file ${ref.file} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      cause: error,
    })
  }
}

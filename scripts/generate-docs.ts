// Generates docs/errors.md, docs/config.md and docs/taskgate.schema.json from their one source each
// (the error registry and the config schema). `npm run docs` writes them; test/docs.test.ts keeps them current.
import { writeFileSync } from 'node:fs'
import { z } from 'zod'
import { configSchema } from '../src/config/schema.ts'
import { ERRORS } from '../src/core/errors.ts'

export function errorsMarkdown(): string {
  const rows = Object.entries(ERRORS).map(
    ([code, e]) => `| \`${code}\` | ${e.kind} | ${e.message.replaceAll('|', '\\|')} |`,
  )
  return [
    '# Error codes',
    '',
    'Generated from `src/core/errors.ts` by `npm run docs`; do not edit by hand. Codes are stable: never reused or renamed.',
    'Clients receive `code` and the message; the API answers `application/problem+json` with the code, PostgreSQL',
    'clients an ErrorResponse whose message starts with it.',
    '',
    '| code | kind | message |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n')
}

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
}

type Node = {
  type?: string | string[]
  description?: string
  properties?: Record<string, Node>
  items?: Node
  anyOf?: Node[]
  oneOf?: Node[]
  default?: unknown
  enum?: unknown[]
  const?: unknown
  required?: string[]
  pattern?: string
  minimum?: number
  maximum?: number
}

function typeOf(node: Node): string {
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``
  if (node.enum) return node.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ')
  const alts = node.anyOf ?? node.oneOf
  if (alts) return alts.map(typeOf).join(' or ')
  if (node.type === 'array' && node.items) return `list of ${typeOf(node.items)}`
  if (node.type === 'object' && node.properties) return `object {${Object.keys(node.properties).join(', ')}}`
  return Array.isArray(node.type) ? node.type.join('\\|') : (node.type ?? 'any')
}

function walk(node: Node, path: string, rows: string[]): void {
  const alts = node.anyOf ?? node.oneOf
  const objectAlts = alts?.filter((a) => a.properties)
  if (node.properties) {
    for (const [key, child] of Object.entries(node.properties)) {
      const p = path ? `${path}.${key}` : key
      const required = node.required?.includes(key) && child.default === undefined ? 'yes' : ''
      const def = child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``
      const notes = [child.description, child.pattern ? `pattern \`${child.pattern}\`` : '']
        .filter(Boolean)
        .join('; ')
      rows.push(`| \`${p}\` | ${typeOf(child)} | ${required} | ${def} | ${notes.replaceAll('|', '\\|')} |`)
      walk(child, p, rows)
    }
  } else if (node.type === 'array' && node.items) {
    walk(node.items, `${path}[]`, rows)
  } else if (
    objectAlts &&
    objectAlts.length > 0 &&
    !path.endsWith('password') &&
    !path.endsWith('databaseUrl')
  ) {
    for (const alt of objectAlts) walk(alt, path, rows)
  }
}

export function configMarkdown(): string {
  const rows: string[] = []
  walk(configJsonSchema() as Node, '', rows)
  return [
    '# Configuration reference',
    '',
    'Generated from `src/config/schema.ts` by `npm run docs`; do not edit by hand. The file is YAML; unknown keys are',
    'errors. Secrets are `{ env: NAME }` or `{ file: PATH }`, never clear text. Editors can validate with',
    '`docs/taskgate.schema.json`; `taskgate config check FILE` validates without starting.',
    '',
    '| key | type | required | default | notes |',
    '|---|---|---|---|---|',
    ...[...new Set(rows)],
    '',
  ].join('\n')
}

if (import.meta.main) {
  writeFileSync('docs/errors.md', errorsMarkdown())
  writeFileSync('docs/config.md', configMarkdown())
  writeFileSync('docs/taskgate.schema.json', `${JSON.stringify(configJsonSchema(), null, 2)}\n`)
  process.stdout.write('wrote docs/errors.md, docs/config.md, docs/taskgate.schema.json\n')
}

// Renders deploy/helm/taskgate without helm (no helm binary is to be had here: not in Debian, not on npm).
// It implements only the part of Go's text/template and Helm's functions the chart keeps to, with Go's
// semantics for each: `{{- -}}` whitespace trimming, comments, field paths (.Values.a.b, $.Release.Name, .
// inside range), pipelines, if/else/end, range/end over lists, define/include, and the functions quote,
// toYaml, indent, nindent, default and sha256sum. Anything else is an error, so the chart cannot drift
// into constructs this renderer would get wrong silently. It is not helm: `helm template`/`helm lint` were
// never run on the chart.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'out'; expr: string }
  | { kind: 'if'; expr: string; yes: Node[]; no: Node[] }
  | { kind: 'range'; expr: string; body: Node[] }

interface Scope {
  dot: unknown
  root: unknown
  defines: Map<string, Node[]>
}

/** Text and actions, with Go's trimming applied to the text beside `{{-` and `-}}`. */
function tokens(source: string): Array<{ text: string } | { action: string }> {
  const out: Array<{ text: string } | { action: string }> = []
  let at = 0
  let trimNext = false
  for (;;) {
    const open = source.indexOf('{{', at)
    let text = source.slice(at, open < 0 ? undefined : open)
    if (trimNext) text = text.replace(/^\s+/, '')
    if (open < 0) {
      out.push({ text })
      return out
    }
    const close = source.indexOf('}}', open)
    if (close < 0) throw new Error('unclosed {{')
    let inner = source.slice(open + 2, close)
    if (inner.startsWith('-')) {
      text = text.replace(/\s+$/, '')
      inner = inner.slice(1)
    }
    trimNext = inner.endsWith('-')
    if (trimNext) inner = inner.slice(0, -1)
    out.push({ text })
    inner = inner.trim()
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) out.push({ action: inner })
    at = close + 2
  }
}

function parseNodes(source: string, defines: Map<string, Node[]>): Node[] {
  const list = tokens(source)
  let i = 0
  const block = (ends: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = []
    while (i < list.length) {
      const t = list[i++]!
      if ('text' in t) {
        if (t.text) nodes.push({ kind: 'text', text: t.text })
        continue
      }
      const [word, ...rest] = t.action.split(/\s+/)
      const expr = rest.join(' ')
      if (ends.includes(t.action) || ends.includes(word!)) return { nodes, end: t.action }
      if (word === 'if') {
        const then = block(['else', 'end'])
        const otherwise = then.end === 'else' ? block(['end']).nodes : []
        nodes.push({ kind: 'if', expr, yes: then.nodes, no: otherwise })
      } else if (word === 'range') nodes.push({ kind: 'range', expr, body: block(['end']).nodes })
      else if (word === 'define') defines.set(JSON.parse(expr) as string, block(['end']).nodes)
      else if (['else', 'end', 'with', 'template', 'block'].includes(word!))
        throw new Error(`unsupported or misplaced action {{ ${t.action} }}`)
      else nodes.push({ kind: 'out', expr: t.action })
    }
    if (ends.length > 0) throw new Error(`missing {{ end }} (expected ${ends.join('/')})`)
    return { nodes, end: '' }
  }
  return block([]).nodes
}

const truthy = (v: unknown) =>
  !(v === undefined || v === null || v === false || v === 0 || v === '') &&
  !(Array.isArray(v) && v.length === 0) &&
  !(typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)

function field(value: unknown, path: string[]): unknown {
  let v = value
  for (const key of path)
    v = v === null || typeof v !== 'object' ? undefined : (v as Record<string, unknown>)[key]
  return v
}

function operand(word: string, scope: Scope): unknown {
  if (word === '.') return scope.dot
  if (word === '$') return scope.root
  if (word.startsWith('$.')) return field(scope.root, word.slice(2).split('.'))
  if (word.startsWith('.')) return field(scope.dot, word.slice(1).split('.'))
  if (/^"([^"\\]|\\.)*"$/.test(word)) return JSON.parse(word)
  if (/^-?\d+$/.test(word)) return Number(word)
  throw new Error(`unsupported operand ${word}`)
}

function goString(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (typeof v === 'object') throw new Error('a map or list printed without toYaml')
  return String(v)
}

const FUNCTIONS: Record<string, (scope: Scope, args: unknown[]) => unknown> = {
  quote: (_s, [v]) => JSON.stringify(goString(v)),
  toYaml: (_s, [v]) => stringify(v, { lineWidth: 0 }).replace(/\n$/, ''),
  indent: (_s, [n, v]) => goString(v).replace(/^/gm, ' '.repeat(Number(n))),
  nindent: (_s, [n, v]) => `\n${goString(v).replace(/^/gm, ' '.repeat(Number(n)))}`,
  default: (_s, [fallback, v]) => (truthy(v) ? v : fallback),
  sha256sum: (_s, [v]) => createHash('sha256').update(goString(v)).digest('hex'),
  include: (scope, [name, dot]) => {
    const nodes = scope.defines.get(String(name))
    if (!nodes) throw new Error(`no template ${String(name)}`)
    return renderNodes(nodes, { ...scope, dot })
  },
}

function evaluate(expr: string, scope: Scope): unknown {
  let piped: unknown[] = []
  for (const command of expr.split('|').map((c) => c.trim())) {
    const words = command.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? []
    const [head, ...rest] = words
    const fn = head !== undefined ? FUNCTIONS[head] : undefined
    if (fn) piped = [fn(scope, [...rest.map((w) => operand(w, scope)), ...piped])]
    else if (words.length === 1 && piped.length === 0) piped = [operand(head!, scope)]
    else throw new Error(`unsupported command "${command}" in {{ ${expr} }}`)
  }
  return piped[0]
}

function renderNodes(nodes: Node[], scope: Scope): string {
  let out = ''
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text
    else if (node.kind === 'out') out += goString(evaluate(node.expr, scope))
    else if (node.kind === 'if')
      out += renderNodes(truthy(evaluate(node.expr, scope)) ? node.yes : node.no, scope)
    else {
      const items = evaluate(node.expr, scope)
      if (items === undefined || items === null) continue
      if (!Array.isArray(items)) throw new Error(`range over a non-list in {{ range ${node.expr} }}`)
      for (const item of items) out += renderNodes(node.body, { ...scope, dot: item })
    }
  }
  return out
}

function merge(base: unknown, over: unknown): unknown {
  if (over === null || typeof over !== 'object' || Array.isArray(over)) return over
  if (base === null || typeof base !== 'object' || Array.isArray(base)) return over
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) }
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v)
  return out
}

/** Every template of the chart rendered with values.yaml merged with `values`: file name -> YAML text. */
export function renderChart(
  chartDir: string,
  values: Record<string, unknown>,
  release = { Name: 'tg', Namespace: 'default' },
): Map<string, string> {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, string>
  const root = {
    Values: merge(parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')), values),
    Release: release,
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  }
  const defines = new Map<string, Node[]>()
  const dir = join(chartDir, 'templates')
  const files = readdirSync(dir).sort()
  const parsed = files.map((f) => [f, parseNodes(readFileSync(join(dir, f), 'utf8'), defines)] as const)
  const out = new Map<string, string>()
  for (const [file, nodes] of parsed) {
    if (file.startsWith('_')) continue
    const text = renderNodes(nodes, { dot: root, root, defines })
    if (text.trim() !== '') out.set(file, text)
  }
  return out
}

// sqlparser-rs (WASM) for the MySQL classifier, replaced when it traps. A WASM trap (a deep left-nested
// expression, `SELECT 1+1+…` of a thousand terms, overflows its stack while the tree is converted) leaves the
// instance's memory and stack pointer as they were mid-call, and every later parse failed with "memory
// access out of bounds": one 2 KB statement denied every MySQL statement of every session until the
// gateway restarted. sqlparser-ts keeps one instance for the process, so the parser is driven here through
// its wasm-bindgen glue, evaluated once per instance, with a spare ready to take over synchronously; a new
// spare is made in the background. Without an instance the parse fails (closed).
//
// The glue is evaluated as a function, not imported: an ES module is never unloaded, so a module per
// instance (a URL each) kept every trapped instance and its WASM memory for the life of the process (~3 MB
// for each 2 KB statement that trapped, 117 MB for a 1 MiB one: a client could grow the gateway until it
// died). A function's instance goes with the last reference to it.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** A compiled WebAssembly.Module (the project's TypeScript libs do not declare WebAssembly). */
type CompiledModule = object
const wasmEngine = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } })
  .WebAssembly

interface Glue {
  initSync(options: { module: CompiledModule }): unknown
  parse_sql(dialect: string, sql: string): unknown
}

/** What the parser says about a text it rejects (the client hears it in the denial). */
export class SqlParseError extends Error {}

const wasmDir = join(dirname(createRequire(import.meta.url).resolve('@guanmingchiu/sqlparser-ts')), '../wasm')

let compiled: CompiledModule | undefined
/** The glue's source as a function body returning its exports. */
let glueBody: string | undefined
let current: Glue | undefined
let spare: Glue | undefined
let making: Promise<void> | undefined
let instances = 0

async function newInstance(): Promise<Glue> {
  compiled ??= await wasmEngine.compile(await readFile(join(wasmDir, 'sqlparser_rs_wasm_bg.wasm')))
  glueBody ??= functionBody(await readFile(join(wasmDir, 'sqlparser_rs_wasm.js'), 'utf8'))
  instances++
  const glue = new Function(glueBody)() as Glue
  glue.initSync({ module: compiled })
  return glue
}

/** The wasm-bindgen glue (an ES module: `export function`s and one `export { … }` list, `import.meta` only
 * in the fetch-based loader, which is not used) as a strict function body returning what is used here. */
function functionBody(source: string): string {
  const body = source
    .replace(/^export function /gm, 'function ')
    .replace(/^export \{[^}]*\};?$/m, '')
    .replaceAll('import.meta.url', 'undefined')
  if (/^\s*(export|import)\b/m.test(body)) throw new Error('the SQL parser glue is not in the expected shape')
  return `'use strict';\n${body}\nreturn { initSync, parse_sql };`
}

function makeSpare(): Promise<void> {
  making ??= newInstance()
    .then((glue) => {
      if (current === undefined) current = glue
      else spare = glue
    })
    .finally(() => {
      making = undefined
      if (current === undefined || spare === undefined) void makeSpare().catch(() => {})
    })
  return making
}

/** Loads the parser (and its spare); call once before parsing. */
export async function loadSqlParser(): Promise<void> {
  while (current === undefined || spare === undefined) await makeSpare()
}

/** How many parser instances were made (the first, its spares, their replacements): for tests. */
export function parserInstances(): number {
  return instances
}

/** The statements of `sql` as sqlparser-rs's MySQL dialect reads them; throws SqlParseError. */
export function parseMysqlSql(sql: string): unknown[] {
  const glue = current
  if (glue === undefined) throw new SqlParseError('the SQL parser is being restarted; try again')
  try {
    return glue.parse_sql('mysql', sql) as unknown[]
  } catch (error) {
    // The parser's own errors are plain values; an Error is the engine's (a trap, a stack overflow): this
    // instance cannot be trusted again.
    if (error instanceof Error) {
      current = spare
      spare = undefined
      void makeSpare().catch(() => {})
      throw new SqlParseError('the statement is nested too deeply for the SQL parser')
    }
    const message = (error as { message?: unknown } | undefined)?.message
    throw new SqlParseError(typeof message === 'string' ? message : String(error))
  }
}

import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { configJsonSchema, configMarkdown, errorsMarkdown } from '../scripts/generate-docs.ts'

// The generated references must match their sources; run `npm run docs` after changing either.
test('docs/errors.md is generated from the error registry', () => {
  assert.equal(readFileSync('docs/errors.md', 'utf8'), errorsMarkdown())
})

test('docs/config.md and the editor JSON Schema are generated from the config schema', () => {
  assert.equal(readFileSync('docs/config.md', 'utf8'), configMarkdown())
  assert.deepEqual(JSON.parse(readFileSync('docs/taskgate.schema.json', 'utf8')), configJsonSchema())
})

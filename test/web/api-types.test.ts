// web/src/api/openapi-types.ts is generated from the OpenAPI document; this keeps it current
// (regenerate with `npm run build` or `node scripts/generate-web-api-types.ts`).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { typeOf, WEB_API_TYPES_FILE, webApiTypes } from '../../scripts/generate-web-api-types.ts'

test('the console API types match the OpenAPI document', () => {
  assert.equal(readFileSync(WEB_API_TYPES_FILE, 'utf8'), webApiTypes())
})

test('JSON Schema to TypeScript: objects, optional fields, enums, arrays, records, unions', () => {
  assert.equal(
    typeOf({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'array', items: { enum: ['x', 'y'] } } },
      required: ['a'],
    }),
    `{\n  a: string\n  b?: Array<"x" | "y">\n}`,
  )
  assert.equal(
    typeOf({ type: 'object', additionalProperties: { type: 'integer' } }),
    '{\n  [key: string]: number\n}',
  )
  assert.equal(typeOf({ anyOf: [{ type: 'string' }, { type: 'null' }] }), 'string | null')
  assert.equal(typeOf({}), 'unknown')
})

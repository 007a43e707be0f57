// The Kubernetes planner as core uses it (core/grants/grant-plan.ts: the plan's needs become the scope asked
// for, an unclassified line refuses the plan, recorded requests whose shape no planned line has are off it).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ResourceConfig } from '../../config/schema.ts'
import { classifyRequest } from './classify.ts'
import { kubernetesPlanStatements } from './plan.ts'
import { kubernetesReclassifier } from './replay.ts'

const PLAN = `# look at the shop's pods, then restart web-0
GET /api/v1/namespaces/shop/pods
delete /api/v1/namespaces/shop/pods/web-0
POST /api/v1/namespaces/shop/pods/web-0/exec?command=ls&command=%2Ftmp&stdout=true
`

test('a plan of requests needs what the API server would authorize for each', () => {
  const planned = kubernetesPlanStatements(PLAN)
  assert.deepEqual(
    planned.map((p) => p.needs.map((e) => `${e.verb}:${e.object}`)),
    [['list:pods:*@shop'], ['delete:pods:web-0@shop'], ['create:pods/exec:web-0@shop']],
  )
  assert.ok(planned.every((p) => p.unclassified === undefined))
  assert.match(planned[2]!.text, / -- ls \/tmp$/)
  // Checked again as planned (plan-check.ts): the stored line classifies as the request it names.
  assert.deepEqual(
    kubernetesReclassifier(planned[1]!.text, {} as ResourceConfig, { kind: 'plan' }),
    classifyRequest('DELETE', '/api/v1/namespaces/shop/pods/web-0').action,
  )
})

test('a line that is no request, or that the API server would not read as planned, is unclassified', () => {
  assert.match(kubernetesPlanStatements('kubectl get pods')[0]?.unclassified ?? '', /METHOD \/path/)
  assert.ok(kubernetesPlanStatements('GET /api/v1/namespaces/a/pods?watch=1;x')[0]?.unclassified)
  assert.ok(kubernetesPlanStatements('POST /api/v1/namespaces/a/pods/p/exec')[0]?.unclassified)
})

test('recorded requests have their planned shape whatever their other query flags; another command does not', () => {
  const shapes = new Set(kubernetesPlanStatements(PLAN).map((p) => p.shape))
  const shape = (text: string) => kubernetesPlanStatements(text)[0]?.shape ?? ''
  assert.ok(shapes.has(shape('GET /api/v1/namespaces/shop/pods?limit=500')))
  const exec = classifyRequest(
    'POST',
    '/api/v1/namespaces/shop/pods/web-0/exec?command=ls&command=%2Ftmp&stdin=true',
  )
  assert.ok(shapes.has(shape(exec.action.text)))
  const other = classifyRequest(
    'POST',
    '/api/v1/namespaces/shop/pods/web-0/exec?command=cat&command=%2Fetc%2Fshadow',
  )
  assert.ok(!shapes.has(shape(other.action.text)))
  assert.ok(!shapes.has(shape('GET /api/v1/namespaces/shop/secrets')))
})

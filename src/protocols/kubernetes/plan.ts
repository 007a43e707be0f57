// Kubernetes plans (issue 16, `grant request --from-plan`): one API request per line, `METHOD /path[?query]`
// as the request line is recorded (`GET /api/v1/namespaces/shop/pods`, `POST …/pods/web-0/exec?command=ls`),
// `# …` lines ignored, each classified as the API server reads it (classify.ts). A request's shape, what a
// session's requests are compared with to flag those off the plan, is what it needs and, for an exec, its
// command: two lists of the same pods with other query flags are the same planned request.
import { formatScopeEntry, type PlannedStatement } from '../../core/index.ts'
import { classifyRequest } from './classify.ts'

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

export function kubernetesPlanStatements(text: string): PlannedStatement[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const space = line.indexOf(' ')
      const method = line.slice(0, space).toUpperCase()
      const end = line.indexOf(' ', space + 1)
      const url = line.slice(space + 1, end === -1 ? undefined : end)
      if (space <= 0 || !METHODS.has(method) || !url.startsWith('/'))
        return {
          text: line.slice(0, 200),
          needs: [],
          shape: `line ${line}`,
          unclassified:
            'a planned request is written "METHOD /path", e.g. "GET /api/v1/namespaces/shop/pods"',
        }
      const { action } = classifyRequest(method, url)
      const dash = action.text.indexOf(' -- ')
      const planned: PlannedStatement = {
        text: action.text,
        needs: action.needs,
        shape: `${action.needs.map(formatScopeEntry).join(',')}${dash === -1 ? '' : action.text.slice(dash)}`,
      }
      if (action.unclassified !== undefined) planned.unclassified = action.unclassified
      return planned
    })
}

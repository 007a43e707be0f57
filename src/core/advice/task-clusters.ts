// Tasks that say the same thing should ask for the same scope: grants are grouped by the words of their task
// text (lower case, stop words and numbers dropped) when they share at least half of them (Jaccard >= 0.5),
// and each group gets the scope its grants used. No model, no service: a bounded number of grants compared
// pairwise with their leader.
import type { Scope } from '../grants/scope.ts'
import { type GrantUsage, sortScope } from './grant-usage.ts'

export interface TaskCluster {
  /** The words the cluster's tasks share, in the order the first task says them. */
  words: string[]
  tasks: string[]
  grantIds: string[]
  requested: Scope
  /** What the cluster's grants used: the scope a task like these should ask for. */
  suggested: Scope
}

const STOP_WORDS = new Set(
  'a an and are as at be by for from in into is it of on or our the this to with we i my me do does'.split(
    ' ',
  ),
)
const MAX_WORDS = 64
const SIMILAR = 0.5

export function taskWords(task: string): string[] {
  const words: string[] = []
  for (const word of task.toLowerCase().match(/[a-z][a-z0-9_]*/g) ?? []) {
    if (word.length < 2 || STOP_WORDS.has(word) || words.includes(word)) continue
    words.push(word)
    if (words.length === MAX_WORDS) break
  }
  return words
}

export function similarity(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1
  const shared = a.filter((w) => b.includes(w)).length
  return shared / (a.length + b.length - shared)
}

export function clusterTasks(usages: readonly GrantUsage[]): TaskCluster[] {
  const clusters: Array<{ leader: string[]; members: GrantUsage[] }> = []
  for (const usage of usages) {
    const words = taskWords(usage.task)
    const home = clusters.find((c) => similarity(c.leader, words) >= SIMILAR)
    if (home) home.members.push(usage)
    else clusters.push({ leader: words, members: [usage] })
  }
  return clusters.map(({ leader, members }) => {
    const memberWords = members.map((m) => taskWords(m.task))
    return {
      words: leader.filter((w) => memberWords.every((words) => words.includes(w))),
      tasks: [...new Set(members.map((m) => m.task))],
      grantIds: members.map((m) => m.grantId),
      requested: sortScope(members.flatMap((m) => m.requested)),
      suggested: sortScope(members.flatMap((m) => m.used)),
    }
  })
}

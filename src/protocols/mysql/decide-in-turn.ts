// The statements of one command decided one after another, as the server would run them: the first that is
// not allowed stops the rest (they are neither decided nor held for a person), and the command is refused
// whole. Synchronous while every answer is, so a plain single statement stays on the fast path.
import type { ActionGate, GateAnswer, GateRequest } from '../kit/action-gate.ts'

export function decideInTurn(
  gate: ActionGate,
  requests: GateRequest[],
): GateAnswer[] | Promise<GateAnswer[]> {
  const answers: GateAnswer[] = []
  for (const [i, request] of requests.entries()) {
    const answer = gate.decide(request)
    if (answer instanceof Promise) return finish(gate, requests, answers, answer, i)
    answers.push(answer)
    if (answer.decision.outcome !== 'allow') return answers
  }
  return answers
}

async function finish(
  gate: ActionGate,
  requests: GateRequest[],
  answers: GateAnswer[],
  pending: Promise<GateAnswer>,
  at: number,
): Promise<GateAnswer[]> {
  answers.push(await pending)
  for (let i = at + 1; i < requests.length; i++) {
    if (answers.at(-1)!.decision.outcome !== 'allow') return answers
    answers.push(await gate.decide(requests[i]!))
  }
  return answers
}

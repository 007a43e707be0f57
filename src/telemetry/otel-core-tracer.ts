// Core's tracer port (core/metrics/core-tracer.ts) over an OpenTelemetry tracer. A failed operation's span
// gets ERROR with the error's stable code only: messages and stacks (recordException) stay out, since a
// message may quote what the client sent.
import {
  type Attributes,
  type Span as OtelSpan,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api'
import { ATTR_DB_OPERATION_NAME, ATTR_DB_SYSTEM_NAME } from '@opentelemetry/semantic-conventions'
import { type CoreTracer, isTaskgateError, type TraceAttributes } from '../core/index.ts'

/** Store calls traced as spans under one span; the rest are counted in `taskgate.store.calls`. */
export const MAX_STORE_SPANS = 24

export function createOtelCoreTracer(tracer: Tracer, storeBackend: 'embedded' | 'postgres'): CoreTracer {
  const dbSystem = storeBackend === 'postgres' ? 'postgresql' : 'sqlite'
  const storeCalls = new WeakMap<OtelSpan, number>()
  return {
    span(name, attributes, run) {
      return tracer.startActiveSpan(
        name,
        { kind: SpanKind.INTERNAL, attributes: clean(attributes) },
        async (span) => {
          let outcome = attributes['taskgate.outcome'] !== undefined
          try {
            return await run({
              set(more) {
                if (more['taskgate.outcome'] !== undefined) outcome = true
                if (more['taskgate.error.code'] !== undefined) span.setStatus({ code: SpanStatusCode.ERROR })
                span.setAttributes(clean(more))
              },
            })
          } catch (error) {
            fail(span, error, outcome)
            throw error
          } finally {
            span.end()
          }
        },
      )
    },
    storeOperation(operation) {
      const parent = trace.getActiveSpan()
      if (!parent?.isRecording()) return undefined
      // Some operations read history call by call (the evidence on a grant request lists each earlier
      // session's statements): past the first store calls of a span only their number is kept, on it.
      const calls = (storeCalls.get(parent) ?? 0) + 1
      storeCalls.set(parent, calls)
      if (calls > MAX_STORE_SPANS) {
        parent.setAttribute('taskgate.store.calls', calls)
        return undefined
      }
      const span = tracer.startSpan(`store ${operation}`, {
        kind: SpanKind.CLIENT,
        attributes: { [ATTR_DB_SYSTEM_NAME]: dbSystem, [ATTR_DB_OPERATION_NAME]: operation },
      })
      return {
        end(error) {
          if (error !== undefined) fail(span, error, true)
          span.end()
        },
      }
    },
  }
}

function fail(span: OtelSpan, error: unknown, outcomeSet: boolean): void {
  const code = isTaskgateError(error) ? error.code : 'TG_INTERNAL'
  span.setAttributes(
    outcomeSet
      ? { 'taskgate.error.code': code }
      : { 'taskgate.error.code': code, 'taskgate.outcome': 'failed' },
  )
  span.setStatus({ code: SpanStatusCode.ERROR })
}

function clean(attributes: TraceAttributes): Attributes {
  const out: Attributes = {}
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value
  return out
}

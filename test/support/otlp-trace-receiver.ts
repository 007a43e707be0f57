// A stand-in for an OpenTelemetry Collector's OTLP/HTTP traces receiver (no collector is packaged for this
// machine): POST /v1/traces, protobuf (application/x-protobuf) or JSON (application/json), gzip or not. It
// decodes what the gateway's real exporter sends with its own small protobuf reader (the
// ExportTraceServiceRequest messages of opentelemetry-proto's trace.proto and common.proto) and keeps
// the raw bodies too, so a test can search every byte that left the gateway.
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

export type AttributeValue = string | number | boolean | null

export interface ReceivedSpan {
  traceId: string
  spanId: string
  /** '' for a root span. */
  parentSpanId: string
  name: string
  /** 1 internal, 2 server, 3 client (SpanKind in trace.proto). */
  kind: number
  attributes: Record<string, AttributeValue>
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number
  statusMessage: string
  resource: Record<string, AttributeValue>
  scope: string
}

export interface OtlpTraceReceiver extends AsyncDisposable {
  /** e.g. http://127.0.0.1:PORT/v1/traces */
  url: string
  /** http://127.0.0.1:PORT, for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter adds /v1/traces). */
  base: string
  spans: ReceivedSpan[]
  /** Every request body as it arrived (decompressed). */
  bodies: Buffer[]
  contentTypes: string[]
  /** The headers of each request. */
  headers: IncomingHttpHeaders[]
}

export async function startOtlpTraceReceiver(): Promise<OtlpTraceReceiver> {
  const spans: ReceivedSpan[] = []
  const bodies: Buffer[] = []
  const contentTypes: string[] = []
  const headers: IncomingHttpHeaders[] = []
  const server = createServer(async (req, res) => {
    const body = await readBody(req)
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      res.writeHead(404).end()
      return
    }
    const type = String(req.headers['content-type'] ?? '')
    bodies.push(body)
    contentTypes.push(type)
    headers.push(req.headers)
    try {
      spans.push(...(type.includes('json') ? decodeJson(body) : decodeProtobuf(body)))
    } catch (error) {
      res.writeHead(400).end(String(error))
      return
    }
    // An empty ExportTraceServiceResponse: zero bytes in protobuf, {} in JSON.
    if (type.includes('json')) res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    base: `http://127.0.0.1:${port}`,
    spans,
    bodies,
    contentTypes,
    headers,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const raw = Buffer.concat(chunks)
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw
}

// --- OTLP/JSON (opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): ids are hex strings.

interface JsonKeyValue {
  key: string
  value: Record<string, unknown>
}

function decodeJson(body: Buffer): ReceivedSpan[] {
  const request = JSON.parse(body.toString('utf8')) as {
    resourceSpans?: Array<{
      resource?: { attributes?: JsonKeyValue[] }
      scopeSpans?: Array<{
        scope?: { name?: string }
        spans?: Array<{
          traceId: string
          spanId: string
          parentSpanId?: string
          name: string
          kind?: number
          attributes?: JsonKeyValue[]
          status?: { code?: number; message?: string }
        }>
      }>
    }>
  }
  const out: ReceivedSpan[] = []
  for (const rs of request.resourceSpans ?? []) {
    const resource = jsonAttributes(rs.resource?.attributes)
    for (const ss of rs.scopeSpans ?? [])
      for (const span of ss.spans ?? [])
        out.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          kind: span.kind ?? 0,
          attributes: jsonAttributes(span.attributes),
          statusCode: span.status?.code ?? 0,
          statusMessage: span.status?.message ?? '',
          resource,
          scope: ss.scope?.name ?? '',
        })
  }
  return out
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const { key, value } of list ?? []) {
    if ('stringValue' in value) out[key] = String(value.stringValue)
    else if ('boolValue' in value) out[key] = Boolean(value.boolValue)
    else if ('intValue' in value) out[key] = Number(value.intValue)
    else if ('doubleValue' in value) out[key] = Number(value.doubleValue)
    else out[key] = null
  }
  return out
}

// --- protobuf wire format (protobuf.dev/programming-guides/encoding/)

type Field = { number: number; wireType: number; value: bigint | Buffer }

function* fields(buffer: Buffer): Generator<Field> {
  let at = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      const byte = buffer[at++]
      if (byte === undefined) throw new Error('truncated varint')
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result
      shift += 7n
    }
  }
  while (at < buffer.length) {
    const key = varint()
    const number = Number(key >> 3n)
    const wireType = Number(key & 7n)
    if (wireType === 0) yield { number, wireType, value: varint() }
    else if (wireType === 1) {
      yield { number, wireType, value: buffer.subarray(at, at + 8) }
      at += 8
    } else if (wireType === 2) {
      const length = Number(varint())
      yield { number, wireType, value: buffer.subarray(at, at + length) }
      at += length
    } else if (wireType === 5) {
      yield { number, wireType, value: buffer.subarray(at, at + 4) }
      at += 4
    } else throw new Error(`unexpected wire type ${wireType}`)
    if (at > buffer.length) throw new Error('truncated message')
  }
}

const bytes = (f: Field) => f.value as Buffer
const text = (f: Field) => bytes(f).toString('utf8')

function decodeProtobuf(body: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = []
  for (const resourceSpans of fields(body)) {
    if (resourceSpans.number !== 1) continue // ExportTraceServiceRequest.resource_spans
    let resource: Record<string, AttributeValue> = {}
    const scopes: Buffer[] = []
    for (const f of fields(bytes(resourceSpans))) {
      if (f.number === 1) resource = protoAttributes(bytes(f), 1) // ResourceSpans.resource
      if (f.number === 2) scopes.push(bytes(f)) // ResourceSpans.scope_spans
    }
    for (const scopeSpans of scopes) {
      let scope = ''
      for (const f of fields(scopeSpans)) {
        if (f.number === 1) for (const s of fields(bytes(f))) if (s.number === 1) scope = text(s)
        if (f.number === 2) out.push({ ...decodeSpan(bytes(f)), resource, scope })
      }
    }
  }
  return out
}

function decodeSpan(buffer: Buffer): Omit<ReceivedSpan, 'resource' | 'scope'> {
  const span: Omit<ReceivedSpan, 'resource' | 'scope'> = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    attributes: {},
    statusCode: 0,
    statusMessage: '',
  }
  for (const f of fields(buffer)) {
    if (f.number === 1) span.traceId = bytes(f).toString('hex')
    else if (f.number === 2) span.spanId = bytes(f).toString('hex')
    else if (f.number === 4) span.parentSpanId = bytes(f).toString('hex')
    else if (f.number === 5) span.name = text(f)
    else if (f.number === 6) span.kind = Number(f.value as bigint)
    else if (f.number === 9) Object.assign(span.attributes, protoKeyValue(bytes(f)))
    else if (f.number === 15)
      for (const s of fields(bytes(f))) {
        if (s.number === 2) span.statusMessage = text(s)
        if (s.number === 3) span.statusCode = Number(s.value as bigint)
      }
  }
  return span
}

/** The repeated KeyValue at field `number` of a message (Resource.attributes is 1). */
function protoAttributes(buffer: Buffer, number: number): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const f of fields(buffer)) if (f.number === number) Object.assign(out, protoKeyValue(bytes(f)))
  return out
}

function protoKeyValue(buffer: Buffer): Record<string, AttributeValue> {
  let key = ''
  let value: AttributeValue = null
  for (const f of fields(buffer)) {
    if (f.number === 1) key = text(f)
    if (f.number !== 2) continue
    for (const v of fields(bytes(f))) {
      if (v.number === 1)
        value = text(v) // AnyValue.string_value
      else if (v.number === 2)
        value = v.value === 1n // bool_value
      else if (v.number === 3)
        value = Number(BigInt.asIntN(64, v.value as bigint)) // int_value
      else if (v.number === 4) value = bytes(v).readDoubleLE(0) // double_value
    }
  }
  return { [key]: value }
}

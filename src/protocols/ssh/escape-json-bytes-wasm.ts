// escapeJsonBytes (escape-json-bytes.ts) in WebAssembly, for text of more than a few dozen bytes: the bytes are
// copied into the module's memory, escaped there 16 at a time where none needs it and one at a time through a
// table elsewhere (no branch per byte), and copied out. The module is escape-json-bytes.wat, assembled; it is
// hand-written because it is 60 lines and no package does this (DEPENDENCIES.md).

/** escape-json-bytes.wat assembled by wabt 1.0.37's wat2wasm. */
const MODULE_BASE64 =
  'AGFzbQEAAAABCAFgA39/fwF/AwIBAAUDAQABBxMCBm1lbW9yeQIABmVzY2FwZQAACtEBAc4BAgN/AXsgACABaiEDAkADQCAAQRBqIANLDQEgAP0AAAAhBiAGQSD9D/0mIAZBIv0P/SP9UCAGQdwA/Q/9I/1Q/VMEQCAAQRBqIQQDQCAALQAAIQUgAiAFQQN0KQMANwAAIAIgBS0AgBBqIQIgAEEBaiEAIAAgBEkNAAsFIAIgBv0LAAAgAkEQaiECIABBEGohAAsMAAsLAkADQCAAIANPDQEgAC0AACEFIAIgBUEDdCkDADcAACACIAUtAIAQaiECIABBAWohAAwACwsgAgs='
/** The sha256 of the escape-json-bytes.wat it was assembled from (its test compares). */
export const WAT_SHA256 = '2556060d7fbb603cf168c4c7f1e254e728534fea686c4bc9b5b831a67c25e518'

const LENGTHS_AT = 2048
const INPUT_AT = 4096
const PAGE_BYTES = 65536
/** Enough for the recorder's batches (32 KiB and the read that passes it); a longer input grows the memory
 * once, to its size. */
const FIRST_CAPACITY = 128 * 1024
/** The longest escape of one byte (`\u00XX`), and the 8 bytes the module stores for the last one. */
const MAX_ESCAPED_BYTES = 6
const LAST_STORE_BYTES = 8

/** The part of WebAssembly used here (the project's TypeScript libs do not declare WebAssembly). */
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object
    Instance: new (module: object) => { exports: object }
  }
}
const wasmModule = new wasm.Module(Buffer.from(MODULE_BASE64, 'base64'))

interface Instance {
  escape: (inAt: number, length: number, outAt: number) => number
  memory: WasmMemory
  bytes: Buffer
  /** Input bytes the memory has room for. */
  capacity: number
}

function instantiate(): Instance {
  const exports = new wasm.Instance(wasmModule).exports as {
    escape: Instance['escape']
    memory: WasmMemory
  }
  const instance = { escape: exports.escape, memory: exports.memory, bytes: Buffer.alloc(0), capacity: 0 }
  reserve(instance, FIRST_CAPACITY)
  for (let byte = 0; byte < 256; byte++) {
    // What JSON.stringify writes for the byte's Latin-1 character, between its quotes.
    const escaped = JSON.stringify(String.fromCharCode(byte)).slice(1, -1)
    instance.bytes.write(escaped, byte * 8, 'latin1')
    instance.bytes[LENGTHS_AT + byte] = escaped.length
  }
  return instance
}

function reserve(instance: Instance, capacity: number): void {
  const needed = INPUT_AT + capacity * (1 + MAX_ESCAPED_BYTES) + LAST_STORE_BYTES
  const pages = Math.ceil(needed / PAGE_BYTES) - instance.memory.buffer.byteLength / PAGE_BYTES
  if (pages > 0) instance.memory.grow(pages)
  instance.bytes = Buffer.from(instance.memory.buffer)
  instance.capacity = capacity
}

let instance = instantiate()

/** As escapeJsonBytes: writes the escaped `bytes` into `target` from `at`; returns where they end, or -1 if
 * they do not fit (nothing is written then). */
export function escapeJsonBytesWasm(bytes: Buffer, target: Buffer, at: number): number {
  if (bytes.length > instance.capacity) reserve(instance, bytes.length)
  const memory = instance.bytes
  const outAt = INPUT_AT + instance.capacity
  memory.set(bytes, INPUT_AT)
  let end: number
  try {
    end = instance.escape(INPUT_AT, bytes.length, outAt)
  } catch (error) {
    // A module that trapped is not used again (REVIEW.md); it has no state but its tables.
    instance = instantiate()
    throw error
  }
  if (at + end - outAt > target.length) return -1
  return at + memory.copy(target, at, outAt, end)
}

// The surface that protocols/, api/, cli/ and mcp/ use (re-exported by core/index.ts): two ports, the data
// path (ports/data-path-port.ts: what protocol engines ask) and the control plane (ports/control-plane-port.ts:
// what the API and MCP ask). The implementation is create-core.ts; main.ts wires it to a store and the config.
import type { ControlPlanePort } from './ports/control-plane-port.ts'
import type { DataPathPort } from './ports/data-path-port.ts'

export interface Core extends DataPathPort, ControlPlanePort {
  /** Stops timers and flushes the recorder. */
  close(): Promise<void>
}

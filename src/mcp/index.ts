// The MCP protocol's public surface for composition roots: main.ts mounts the HTTP handler into the
// control-plane API; `taskgate mcp` serves the same tools over stdio against the REST API.
export type {
  ApprovalView,
  ControlPlane,
  DataPathCredential,
  GrantRequest,
  GrantRequestOutcome,
  GrantView,
  ResourceView,
  ToolCallTag,
} from './control-plane.ts'
export type { McpHttpHandler } from './http.ts'
export { createMcpHttpHandler } from './http.ts'
export { toolCallHeaders } from './rest-tool-call-audit.ts'
export type { TaskgateMcpServer } from './server.ts'
export { createMcpServer } from './server.ts'

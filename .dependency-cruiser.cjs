// Import boundaries (HOUSE-STYLE §1): cli, api, mcp, protocols -> core/index.ts; core -> store/store.ts (types);
// only main.ts imports store backends and only main.ts and engines.ts (the engine of each resource kind,
// part of the composition root) import protocols/*/index.ts; protocols never import each other.
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
    {
      name: 'core-knows-no-outside',
      severity: 'error',
      comment: 'core/ imports nothing from protocols/, api/, cli/, mcp/ or store backends',
      from: { path: '^src/core/' },
      to: { path: '^src/(protocols|api|cli|mcp|web)/|^src/store/(embedded|postgres)/|^src/main\\.ts$' },
    },
    {
      name: 'outside-core-through-index',
      severity: 'error',
      comment: 'protocols/, api/, cli/ and mcp/ reach core only through core/index.ts',
      from: { path: '^src/(protocols|api|cli|mcp)/' },
      to: { path: '^src/core/', pathNot: '^src/core/index\\.ts$' },
    },
    {
      name: 'protocols-independent',
      severity: 'error',
      from: { path: '^src/protocols/([^/]+)/', pathNot: '^src/protocols/kubernetes/' },
      comment: 'a protocol reaches another only through the shared stream kit (protocols/kit/, which imports no protocol)',
      to: {
        path: '^src/protocols/',
        pathNot: ['^src/protocols/$1/', '^src/protocols/protocol-server\\.ts$', '^src/protocols/kit/'],
      },
    },
    {
      name: 'kubernetes-on-http',
      severity: 'error',
      from: { path: '^src/protocols/kubernetes/' },
      comment:
        'the Kubernetes API is HTTP-shaped (DESIGN.md: http/ carries HTTP and the Kubernetes API): the Kubernetes engine reuses the HTTP engine through what http/index.ts exports (HTTPS listener, bearer-token sessions, certificate), decides `kubectl exec` commands with the SSH command rules (ssh/command/index.ts) and records exec terminals with the SSH asciicast writer (ssh/asciicast.ts, which the console player reads); nothing else of another protocol',
      to: {
        path: '^src/protocols/',
        pathNot: [
          '^src/protocols/kubernetes/',
          '^src/protocols/protocol-server\\.ts$',
          '^src/protocols/kit/',
          '^src/protocols/http/index\\.ts$',
          '^src/protocols/ssh/command/index\\.ts$',
          '^src/protocols/ssh/asciicast\\.ts$',
        ],
      },
    },
    {
      name: 'backends-only-from-main',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', '^src/store/', '^src/cli/commands/serve\\.ts$'] },
      to: { path: '^src/store/(embedded|postgres)/' },
    },
    {
      name: 'protocol-index-only-from-main',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', '^src/engines\\.ts$', '^src/protocols/'] },
      to: { path: '^src/protocols/[^/]+/' },
    },
    {
      name: 'mcp-knows-no-engine',
      severity: 'error',
      comment:
        'mcp/ is the agents\' interface: it reaches a resource through the kind\'s own client (mcp/clients/), never through an engine, and reads denials as decision data (core), never an engine\'s text',
      from: { path: '^src/mcp/' },
      to: { path: '^src/(protocols|api|cli|kinds)/|^src/engines\\.ts$|^src/main\\.ts$' },
    },
    {
      name: 'mcp-only-from-roots',
      severity: 'error',
      comment: 'main.ts and `taskgate mcp` (an MCP client process of its own) are the composition roots of mcp/',
      from: { path: '^src/', pathNot: ['^src/mcp/', '^src/main\\.ts$', '^src/cli/commands/mcp\\.ts$'] },
      to: { path: '^src/mcp/' },
    },
    {
      name: 'mcp-through-index',
      severity: 'error',
      from: { path: '^src/(main|cli/commands/mcp)\\.ts$' },
      to: { path: '^src/mcp/', pathNot: '^src/mcp/index\\.ts$' },
    },
    {
      name: 'telemetry-only-from-main',
      severity: 'error',
      comment:
        "src/telemetry/ (the OpenTelemetry SDK) is wired by main.ts alone: core sees it through its tracer port (core/metrics/core-tracer.ts), the API through its `tracing` option",
      from: { path: '^src/', pathNot: ['^src/main\\.ts$', '^src/telemetry/'] },
      to: { path: '^src/telemetry/' },
    },
    {
      name: 'opentelemetry-only-in-telemetry',
      severity: 'error',
      comment: 'with traces off nothing of OpenTelemetry is loaded outside src/telemetry/ (the metrics use prom-client)',
      from: { path: '^src/', pathNot: '^src/telemetry/' },
      to: { path: '@opentelemetry/' },
    },
    {
      name: 'telemetry-through-core-index',
      severity: 'error',
      from: { path: '^src/telemetry/' },
      to: { path: '^src/(protocols|api|cli|mcp)/|^src/core/|^src/store/(embedded|postgres)/', pathNot: '^src/core/index\\.ts$' },
    },
    {
      name: 'store-below-core',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/(protocols|api|cli|mcp)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
}

// Every command, in the order `taskgate --help` lists them.
import type { Command } from '../command.ts'
import { adviseCommand } from './advise.ts'
import {
  agentsCreateCommand,
  agentsDeleteCommand,
  agentsDisableCommand,
  agentsListCommand,
  agentsRotateCommand,
} from './agents.ts'
import { approvalsListCommand, approveCommand, denyCommand } from './approvals.ts'
import { auditTailCommand, auditVerifyCommand } from './audit.ts'
import { auditSinksCommand } from './audit-sinks.ts'
import { configCheckCommand } from './config.ts'
import { connectCommand } from './connect.ts'
import {
  grantApproveCommand,
  grantDenyCommand,
  grantEndCommand,
  grantEnvCommand,
  grantListCommand,
  grantRevokeCommand,
  grantShowCommand,
} from './grant.ts'
import { grantKubeconfigCommand } from './grant-kubeconfig.ts'
import { grantRequestCommand } from './grant-request.ts'
import { maskingTestCommand } from './masking.ts'
import { mcpCommand } from './mcp.ts'
import { policyReplayCommand } from './policy.ts'
import { resourcesCommand } from './resources.ts'
import { retentionRunCommand } from './retention.ts'
import { serveCommand } from './serve.ts'
import {
  sessionsEndCommand,
  sessionsHoldCommand,
  sessionsListCommand,
  sessionsReleaseCommand,
  sessionsShowCommand,
} from './sessions.ts'
import { whoamiCommand } from './whoami.ts'

/** `taskgate login` parses its own arguments (device flow); loaded only when run. */
const loginCommand: Command = {
  name: 'login',
  summary: 'log in with your identity provider (device flow)',
  details: 'Run `taskgate login --help` for its options.',
  local: true,
  ownArgs: true,
  async run(context) {
    const { loginCommand: login } = await import('./login.ts')
    return login(context.args, {
      stdout: { write: context.io.stdout },
      stderr: { write: context.io.stderr },
      env: context.io.env,
    })
  },
}

export const COMMANDS: readonly Command[] = [
  loginCommand,
  whoamiCommand,
  resourcesCommand,
  grantRequestCommand,
  grantListCommand,
  grantShowCommand,
  grantEnvCommand,
  grantKubeconfigCommand,
  connectCommand,
  mcpCommand,
  grantEndCommand,
  grantRevokeCommand,
  grantApproveCommand,
  grantDenyCommand,
  approvalsListCommand,
  approveCommand,
  denyCommand,
  agentsCreateCommand,
  agentsListCommand,
  agentsRotateCommand,
  agentsDisableCommand,
  agentsDeleteCommand,
  sessionsListCommand,
  sessionsShowCommand,
  sessionsEndCommand,
  sessionsHoldCommand,
  sessionsReleaseCommand,
  adviseCommand,
  maskingTestCommand,
  auditVerifyCommand,
  auditTailCommand,
  auditSinksCommand,
  retentionRunCommand,
  configCheckCommand,
  policyReplayCommand,
  serveCommand,
]

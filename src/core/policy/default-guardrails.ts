import type { Guardrail } from './rules.ts'

/** Protects a new install before anyone writes a rule; each can be overridden by id in the config. */
export const DEFAULT_GUARDRAILS: Guardrail[] = [
  {
    id: 'no-program-execution',
    description: 'server-side program execution (COPY ... PROGRAM) is never allowed',
    action: 'deny',
    traits: ['program-execution'],
  },
  {
    id: 'no-server-files',
    description: 'reading or writing files on the database server is never allowed',
    action: 'deny',
    traits: ['server-file'],
  },
  {
    id: 'no-role-change',
    description: 'changing the session role or managing roles is never allowed through the gateway',
    action: 'deny',
    traits: ['role-change'],
  },
  {
    id: 'no-system-change',
    description: 'changing server configuration (ALTER SYSTEM, set_config, reloads) is never allowed',
    action: 'deny',
    traits: ['system-change'],
  },
  {
    id: 'no-privilege-change',
    description: 'GRANT, REVOKE and default-privilege changes are never allowed through the gateway',
    action: 'deny',
    traits: ['privilege-change'],
  },
  {
    id: 'no-dynamic-sql',
    description:
      'functions that run SQL text at run time (query_to_xml, table_to_xml, dblink, ...) hide what they read from the gateway',
    action: 'deny',
    traits: ['dynamic-sql'],
  },
  {
    id: 'no-destructive-ddl',
    description: 'DROP and TRUNCATE destroy data',
    action: 'deny',
    traits: ['destructive-ddl'],
  },
  {
    id: 'no-unbounded-write',
    description: 'UPDATE or DELETE without a restricting WHERE clause touches every row',
    action: 'deny',
    traits: ['unbounded-write'],
  },
]

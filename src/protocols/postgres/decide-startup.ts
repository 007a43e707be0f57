// What a client's StartupMessage asks for beyond its login, decided before the upstream login: the database
// (the resource's, or one of its `databases`; any other is 3D000 as the server says it) and each run-time
// setting, as the `SET` it amounts to (startup-settings.ts), through the same classifier and policy as a
// statement. A setting policy would deny as a SET (role, session_authorization, a search_path outside the
// grant, default_transaction_read_only=off under a read-only grant, any guardrail's) refuses the login with
// a FATAL naming the parameter; the server would otherwise apply it before the first statement.
import type { PostgresResourceConfig } from '../../config/schema.ts'
import type { Core, SessionHandle } from '../../core/index.ts'
import type { Classifier } from './classify.ts'
import { denialFields, syntaxErrorFields, withoutPrefix } from './errors.ts'
import { type StartupSetting, settingStatement, startupSettings } from './startup-settings.ts'
import type { ErrorFields } from './wire/server-messages.ts'

export type StartupDecision =
  | { readonly database: string; readonly settings: readonly StartupSetting[] }
  | { readonly refused: ErrorFields; readonly reason: string }

export function decideStartup(
  core: Core,
  session: SessionHandle,
  classifier: Classifier,
  resource: PostgresResourceConfig,
  params: ReadonlyMap<string, string>,
): StartupDecision {
  // The server's default database is the user name; no client reaches another database silently.
  const database = params.get('database') || params.get('user') || ''
  if (database !== resource.target.database && !resource.databases.includes(database)) {
    return {
      refused: { severity: 'FATAL', code: '3D000', message: `database "${database}" does not exist` },
      reason: `database "${database}" is not one of the resource's databases`,
    }
  }
  const parsed = startupSettings(params)
  if ('refused' in parsed) {
    return {
      refused: {
        severity: 'FATAL',
        code: '22023',
        message: `taskgate refuses startup parameter "${parsed.parameter}": ${parsed.refused}`,
      },
      reason: `startup parameter ${parsed.parameter}: ${parsed.refused}`,
    }
  }
  for (const setting of parsed.settings) {
    const text = settingStatement(setting)
    const classified = classifier.classifyWithEffects(text)
    const decision = core.decide(session, classified.action)
    if (decision.outcome === 'allow') continue
    core.recordAction(session, {
      kind: classified.action.kind,
      text: classified.action.recordText ?? text,
      needs: classified.action.needs,
      // Refused either way: a login cannot wait for an approver.
      outcome: 'deny',
      rule: decision.rule,
      reason: decision.reason,
    })
    const how = setting.via === 'options' ? ' (in options)' : ''
    const refused = `taskgate refuses startup parameter "${setting.name}"${how}`
    if (decision.outcome === 'deny' && classified.syntaxError) {
      const syntax = syntaxErrorFields(classified.syntaxError)
      return {
        refused: { severity: 'FATAL', code: syntax.code, message: `${refused}: ${syntax.message}` },
        reason: `startup parameter ${setting.name} does not parse`,
      }
    }
    const fields: ErrorFields =
      decision.outcome === 'deny'
        ? denialFields(decision)
        : { severity: 'ERROR', code: '42501', message: '', hint: 'SET it after connecting' }
    return {
      refused: {
        ...fields,
        severity: 'FATAL',
        message: `${refused} (rule ${decision.rule}): ${withoutPrefix(decision.reason)}`,
      },
      reason: `startup parameter ${setting.name} refused (rule ${decision.rule})`,
    }
  }
  return { database, settings: parsed.settings }
}

// How a COM_STMT_EXECUTE is recorded and shown to approvers: the prepared text, then each parameter's value
// as text (binaryValueText), through the masking detectors in force and shortened; a statement holding a
// secret shows none of them. Lines after the text, as the PostgreSQL kind shows its Bind parameters, so core
// matches an approval to the record by the text before them.
import { type MaskingContext, maskValue } from '../../core/index.ts'
import { binaryValueText } from './wire/binary-values.ts'
import type { ComStmtExecute } from './wire/commands.ts'

const SHOWN_PARAMETER_CHARS = 200

export type MaskParameter = (value: string) => string | null

/** A masker of free-standing values (no column): only detector rules apply. */
export function parameterMasker(masking: MaskingContext | undefined): MaskParameter | undefined {
  if (!masking) return undefined
  const plan = masking.plan([{ name: '', typeHint: 'text' }])
  if (plan.passthrough) return undefined
  return (value) => maskValue(plan, 0, value)
}

export function withParameters(
  text: string,
  execute: ComStmtExecute,
  secret: boolean,
  mask: MaskParameter | undefined,
): string {
  if (execute.values.length === 0) return text
  const shown = execute.values.map((cell, i) => {
    if (cell === null) return `?${i + 1} = NULL`
    if (secret) return `?${i + 1} = '***'`
    const type = execute.types[i]
    let value: string
    try {
      value = type ? binaryValueText(type.type, type.unsigned, cell) : `0x${cell.toString('hex')}`
    } catch {
      value = `0x${cell.toString('hex')}`
    }
    const masked = mask === undefined ? value : (mask(value) ?? '***')
    const cut = masked.length > SHOWN_PARAMETER_CHARS ? `${masked.slice(0, SHOWN_PARAMETER_CHARS)}…` : masked
    return `?${i + 1} = '${cut.replaceAll("'", "''")}'`
  })
  return `${text}\n-- parameters: ${shown.join(', ')}`
}

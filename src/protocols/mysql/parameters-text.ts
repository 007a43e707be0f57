// How a COM_STMT_EXECUTE is recorded and shown to approvers: the prepared text, then each parameter's value
// as text (binaryValueText), through the masking detectors in force and shortened; a statement holding a
// secret shows none of them. Lines after the text, as the PostgreSQL kind shows its Bind parameters, so core
// matches an approval to the record by the text before them.
import { type MaskingContext, maskValue } from '../../core/index.ts'
import { binaryValueText } from './wire/binary-values.ts'
import type { ComStmtExecute, ParameterType } from './wire/commands.ts'

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
  const { values, types } = execute
  if (values.length === 0) return text
  // Every execution builds this (it is what is recorded): one string grown in a loop, no array or closure.
  let shown = `${text}\n-- parameters: `
  for (let i = 0; i < values.length; i++) {
    if (i > 0) shown += ', '
    const cell = values[i]!
    if (cell === null) shown += `?${i + 1} = NULL`
    else if (secret) shown += `?${i + 1} = '***'`
    else shown += `?${i + 1} = '${shownValue(cell, types[i], mask)}'`
  }
  return shown
}

function shownValue(cell: Buffer, type: ParameterType | undefined, mask: MaskParameter | undefined): string {
  let value: string
  try {
    value = type ? binaryValueText(type.type, type.unsigned, cell) : `0x${cell.toString('hex')}`
  } catch {
    value = `0x${cell.toString('hex')}`
  }
  const masked = mask === undefined ? value : (mask(value) ?? '***')
  const cut = masked.length > SHOWN_PARAMETER_CHARS ? `${masked.slice(0, SHOWN_PARAMETER_CHARS)}…` : masked
  return cut.includes("'") ? cut.replaceAll("'", "''") : cut
}

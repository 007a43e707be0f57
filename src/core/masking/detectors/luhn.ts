/** The Luhn (mod 10) check over a string of ASCII digits (ISO/IEC 7812-1 Annex B). */
export function luhnValid(digits: string): boolean {
  const values = new Uint8Array(digits.length)
  for (let i = 0; i < digits.length; i++) values[i] = digits.charCodeAt(i) - 48
  return luhnValidDigits(values, digits.length)
}

/** The Luhn check over the first `length` digit values (0-9) of `digits`. */
export function luhnValidDigits(digits: Uint8Array, length: number): boolean {
  let sum = 0
  let double = false
  for (let i = length - 1; i >= 0; i--) {
    let d = digits[i]!
    if (double) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
    double = !double
  }
  return length > 0 && sum % 10 === 0
}

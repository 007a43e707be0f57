// Masking rule sets and seed data shared by the masking benchmarks (pg-masking.ts, pg-cpu.ts).

// Luhn-valid test card numbers (issuer test ranges), cycled through the rows.
export const CARDS = [
  '4111 1111 1111 1111',
  '5555 5555 5555 4444',
  '4012 8888 8888 1881',
  '3782 822463 10005',
]

// Whole values of two columns masked by name, no content scan.
export const MASK_TWO_COLUMNS = `
masking:
  rules:
    - id: contact-and-card
      style: partial
      columns: [email, card]
`

export const MATCH_NOTHING = `
masking:
  rules:
    - id: nothing-here
      style: redact
      columns: [no_such_column]
`

/** A `people` table of `rows` rows with an email and a card number in every row. */
export function seedPeopleSql(rows: number | string): string {
  const cards = `array[${CARDS.map((c) => `'${c}'`).join(',')}]`
  return `create table people (id int primary key, email text, card text, city text, amount numeric(10,2));
     insert into people select g, 'user' || g || '@example.com', (${cards})[1 + g % ${CARDS.length}],
       'Lisbon', g % 10000 / 100.0 from generate_series(1, ${rows}) g;`
}

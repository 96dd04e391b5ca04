/** One way to print a number everywhere (tables, targets, chart): `—` for none, `∞` for infinity. */
export function formatNumber(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (value === Number.POSITIVE_INFINITY) return '∞';
  return value
    .toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    .replace(/,/g, ' ');
}

/** A ratio such as `2.36×`. */
export function formatRatio(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : `${formatNumber(value, 2)}×`;
}

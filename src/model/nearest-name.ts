/**
 * "Did you mean": the known name nearest to a mistyped one, for commands, options, config keys
 * and database names alike, so every suggestion follows the same rule.
 */

/** The nearest of `names` to `name` (case-insensitive), or undefined when none is close enough. */
export function nearestName(name: string, names: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const scored = names
    .map((candidate) => {
      const other = candidate.toLowerCase();
      // A prefix of 3+ characters ('migr', 'stat') is as good as one typo.
      const distance =
        other === lower
          ? 0
          : Math.min(other.length, lower.length) >= 3 && (other.startsWith(lower) || lower.startsWith(other))
            ? 1
            : editDistance(other, lower);
      return { candidate, distance };
    })
    .filter(({ candidate, distance }) => distance <= Math.max(2, Math.floor(candidate.length / 3)))
    .sort((a, b) => a.distance - b.distance);
  return scored[0]?.candidate;
}

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, k) => k);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

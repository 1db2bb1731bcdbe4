/**
 * Unknown keys and likely typos. IOC programs read the same file, so keys iocsup does not know
 * stay allowed; but a key one or two edits away from one of iocsup's (`comand`, `autostrat`)
 * is almost always a typo that silently drops the setting, so it earns a warning.
 *
 * @module
 */
import type { Source } from "./_source.ts";

/**
 * Edit distance with adjacent transpositions (optimal string alignment, the restricted
 * Damerau–Levenshtein distance): `autostrat` → `autostart` is 1.
 *
 * @param a One string.
 * @param b The other.
 * @returns The number of insertions, deletions, substitutions and swaps of neighbours.
 */
export function editDistance(a: string, b: string): number {
  // Three rows suffice: the transposition looks two rows back.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (before[j - 2] as number) + 1);
      }
      current.push(d);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The known key a key is probably a misspelling of: case aside, at most one edit from a key of
 * up to four letters (`env`), two from a longer one. An exact match is no typo.
 *
 * @param key The key as written.
 * @param known The keys iocsup reads at that place.
 * @returns The closest known key, or undefined.
 */
export function likelyMeant(key: string, known: readonly string[]): string | undefined {
  if (known.includes(key)) return undefined;
  const lower = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    // Cheap reject before the quadratic distance: long keys (device records) are never close.
    if (Math.abs(candidate.length - lower.length) > 2) continue;
    const distance = editDistance(lower, candidate);
    const limit = candidate.length <= 4 ? 1 : 2;
    if (distance <= limit && (best === undefined || distance < best.distance)) {
      best = { key: candidate, distance };
    }
  }
  return best?.key;
}

/**
 * Warn about a key of an iocsup-only map (`general`, `general.ca` …): every unknown key, with a
 * suggestion when one is close.
 *
 * @param src The document being read.
 * @param keyNode The key node (for the position).
 * @param key The key.
 * @param where How the map is named in messages, e.g. `general.ca`.
 * @param known The keys iocsup reads there.
 */
export function warnUnknownKey(
  src: Source,
  keyNode: unknown,
  key: string,
  where: string,
  known: readonly string[],
): void {
  const meant = likelyMeant(key, known);
  src.warn(
    keyNode,
    `${where}: unknown key ${JSON.stringify(key)} is ignored` +
      (meant === undefined ? "" : `; did you mean ${JSON.stringify(meant)}?`),
  );
}

/**
 * Warn about a key of an IOC that looks like a misspelt iocsup key. Other unknown keys belong to
 * the IOC program and pass silently.
 *
 * @param src The document being read.
 * @param keyNode The key node (for the position).
 * @param key The key.
 * @param where How the IOC is named in messages, e.g. `IOC "gauge"`.
 * @param known The keys iocsup reads in an IOC.
 */
export function warnLikelyTypo(
  src: Source,
  keyNode: unknown,
  key: string,
  where: string,
  known: readonly string[],
): void {
  const meant = likelyMeant(key, known);
  if (meant === undefined) return;
  src.warn(
    keyNode,
    `${where}: ${JSON.stringify(key)} is not an iocsup key (iocsup ignores it); did you mean ` +
      `${JSON.stringify(meant)}?`,
  );
}

/**
 * One walk over a parsed settings document, before anything reads it: resolve every alias and
 * find repeated keys. Both are done here in linear time because the `yaml` package does them
 * per node (`Alias.resolve` walks the whole document on each call; `uniqueKeys` compares each
 * key with every earlier one), which made a 1 MiB file take minutes.
 *
 * @module
 */
import { type Alias, type Document, isAlias, isMap, isScalar, type Scalar, visit } from "yaml";
import { scalarText } from "./_source.ts";

/** What {@linkcode scanDocument} found. */
export interface Scan {
  /** Each alias and the node it names: the last node with that anchor before it. */
  aliases: Map<Alias, unknown>;
  /** Aliases with no anchor of that name before them. */
  unresolved: Alias[];
  /** Keys that repeat an earlier key of the same map, with the key's text. */
  duplicates: { node: Scalar; key: string }[];
}

/**
 * Walk a document once, in document order.
 *
 * @param doc The parsed document.
 * @returns Aliases resolved, unresolved aliases and repeated keys.
 */
export function scanDocument(doc: Document): Scan {
  const anchors = new Map<string, unknown>();
  const scan: Scan = { aliases: new Map(), unresolved: [], duplicates: [] };
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target === undefined) scan.unresolved.push(node);
        else scan.aliases.set(node, target);
        return;
      }
      // Set before the children are visited: an alias inside its own anchor's node names it
      // (a cycle, refused where merge keys are expanded), as in the `yaml` package.
      if (node.anchor) anchors.set(node.anchor, node);
      if (!isMap(node)) return;
      const seen = new Set<string>();
      for (const pair of node.items) {
        // `<<` merge keys (a symbol value) may repeat.
        if (!isScalar(pair.key) || typeof pair.key.value === "symbol") continue;
        const key = scalarText(pair.key);
        if (seen.has(key)) scan.duplicates.push({ node: pair.key, key });
        else seen.add(key);
      }
    },
  });
  return scan;
}

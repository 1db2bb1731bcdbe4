/**
 * The receive-side introspection cache of one TCP connection (§2.6): type descriptions the peer
 * defined with 0xFD under a 16-bit key, looked up again by 0xFE. One per connection and
 * direction; pure data, no I/O.
 *
 * @module
 */

import { RemoteProtocolError } from "./errors.ts";
import type { FieldDesc } from "./field_desc.ts";

/** Key → type description table filled by the peer's 0xFD entries. */
export class TypeCache {
  #entries = new Map<number, FieldDesc | null>();

  /**
   * Remember a definition (a later one under the same key replaces it).
   *
   * @param key The u16 key the peer chose.
   * @param type The description that followed.
   * @example Usage
   * ```ts
   * import { TypeCache } from "./type_cache.ts";
   * const c = new TypeCache();
   * c.define(2, { kind: "structure", id: "", fields: [] });
   * c.size; // 1
   * ```
   */
  define(key: number, type: FieldDesc | null): void {
    this.#entries.set(key, type);
  }

  /**
   * Look a key up.
   *
   * @param key The u16 key of a 0xFE entry.
   * @returns The description defined under it.
   * @throws {RemoteProtocolError} When the peer never defined the key.
   * @example Usage
   * ```ts
   * import { TypeCache } from "./type_cache.ts";
   * const c = new TypeCache();
   * c.define(1, { kind: "scalar", type: "string" });
   * c.get(1); // { kind: "scalar", type: "string" }
   * ```
   */
  get(key: number): FieldDesc | null {
    const t = this.#entries.get(key);
    if (t === undefined) {
      throw new RemoteProtocolError(`Cannot decode type: cache key ${key} was never defined`);
    }
    return t;
  }

  /** Number of keys defined. */
  get size(): number {
    return this.#entries.size;
  }
}

/**
 * HTTP Basic authentication for the fleet web view: one user, `iocsup`, and the password from
 * `--password-file`. Compared as SHA-256 digests in constant time, so neither the length nor
 * the first differing byte of the password shows in the response time.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";

/** The one user name of the fleet web view (the supervisord web UI's default user too). */
export const WEB_USER = "iocsup";

/** The `WWW-Authenticate` challenge sent with a 401. */
export const CHALLENGE = 'Basic realm="iocsup fleet", charset="UTF-8"';

function digest(text: string): Uint8Array {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * Checks `Authorization: Basic …` headers against one password.
 *
 * @example Usage
 * ```ts
 * import { BasicAuth } from "./auth.ts";
 * import assert from "node:assert/strict";
 *
 * const auth = new BasicAuth("s3cret");
 * assert.equal(auth.accepts(`Basic ${btoa("iocsup:s3cret")}`), true);
 * assert.equal(auth.accepts(`Basic ${btoa("iocsup:guess")}`), false);
 * assert.equal(auth.accepts(null), false);
 * ```
 */
export class BasicAuth {
  readonly #expected: Uint8Array;

  /** @param password The password; the user is {@linkcode WEB_USER}. */
  constructor(password: string) {
    this.#expected = digest(`${WEB_USER}:${password}`);
  }

  /**
   * Whether a request's `Authorization` header carries the user and password.
   *
   * @param header The header value, or null when absent.
   * @returns True when they match.
   */
  accepts(header: string | null): boolean {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
    if (!match) return false;
    let text: string;
    try {
      // atob gives one char per byte; decode them as UTF-8 as RFC 7617's charset asks.
      text = new TextDecoder().decode(Uint8Array.from(atob(match[1]!), (c) => c.charCodeAt(0)));
    } catch {
      return false;
    }
    return timingSafeEqual(digest(text), this.#expected);
  }
}

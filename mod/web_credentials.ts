/**
 * The supervisord web UI password: taken from settings when given, else generated once and kept
 * in the state directory (mode 0600) so `start` and `status` can show it.
 *
 * @module
 */
import { atomicWriteTextFile } from "./atomic_write.ts";

/** Login for the web UI. */
export interface WebCredentials {
  /** User name. */
  username: string;
  /** Password. */
  password: string;
}

function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Read the stored password, or generate and store one.
 *
 * @param file The credentials file in the state directory.
 * @returns The stored or new password.
 */
export async function ensureGeneratedPassword(file: string): Promise<string> {
  const existing = await readGeneratedPassword(file);
  if (existing !== undefined) return existing;
  const password = generatePassword();
  await atomicWriteTextFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * Read the stored password without creating one.
 *
 * @param file The credentials file in the state directory.
 * @returns The password, or undefined when none is stored.
 */
export async function readGeneratedPassword(file: string): Promise<string | undefined> {
  try {
    const text = (await Deno.readTextFile(file)).trim();
    return text === "" ? undefined : text;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

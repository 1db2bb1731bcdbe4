/**
 * `iocsup put PV VALUE…`: write a PV over Channel Access, like caput.
 *
 * @module
 */
import { UsageError } from "../mod/errors.ts";
import { boolFlag, COMMON_OPTIONS_HELP, parseCommandArgs } from "./_common.ts";
import {
  commandClients,
  nameLines,
  SEARCH_HELP,
  TIMEOUT_FLAG,
  TIMEOUT_HELP,
  timeoutMs,
  valueJson,
  valueText,
} from "./_ca.ts";
import { out } from "./_output.ts";

/** Help text. */
export const help = `iocsup put: write a PV over Channel Access or pvAccess (like caput, pvput)

USAGE
  iocsup put [options] PV VALUE...

Reads the old value, writes, reads the new value and prints both (Old : NAME VALUE, New : NAME
VALUE). Values are sent as strings, which the server converts (enum state names work); several
values write an array. Without --wait the write is a plain CA put, checked by the read after it;
--wait puts with callback and returns once the server reports the put completed. Over
pvAccess (pva://NAME) every put returns once the server has answered; --wait changes nothing.

OPTIONS
      --wait           put with callback: wait until the server has completed the put
  -n, --numeric        send the values as numbers (and print enums as numbers)
      --json           print one JSON document
${TIMEOUT_HELP}
${COMMON_OPTIONS_HELP}

${SEARCH_HELP}

EXIT CODES
  0 written, 1 not found, timed out or refused (the reason is printed), 2 usage

EXAMPLES
  iocsup put DEMO:MAN:counter2_control Run
  iocsup put --wait DEMO:MAN:counter2_control Stop
  iocsup put -n DEMO:WAVEFORM 1 2 3
  iocsup put pva://IOC1:MODE Run
`;

/**
 * The values to send: strings as given, or numbers with `-n`.
 *
 * @param texts The VALUE arguments.
 * @param numeric Whether `-n` was given.
 * @returns The value or array to put.
 * @throws {UsageError} When `-n` meets something that is not a number.
 */
export function putValues(
  texts: string[],
  numeric: boolean,
): string | number | string[] | number[] {
  if (!numeric) return texts.length === 1 ? texts[0]! : texts;
  const numbers = texts.map((text) => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n)) {
      throw new UsageError(`Cannot send "${text}" as a number`);
    }
    return n;
  });
  return numbers.length === 1 ? numbers[0]! : numbers;
}

/** Run the command. */
export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs(args, {
    ...TIMEOUT_FLAG,
    wait: { type: "boolean" },
    numeric: { type: "boolean", short: "n" },
    json: { type: "boolean" },
  }, Infinity);
  const [name, ...texts] = parsed.positionals;
  if (name === undefined) throw new UsageError("Missing PV name");
  if (texts.length === 0) throw new UsageError(`Missing value to write to "${name}"`);
  const numeric = boolFlag(parsed, "numeric");
  const values = putValues(texts, numeric);
  const ms = timeoutMs(parsed);
  const client = await commandClients(parsed);
  try {
    const read = { timeoutMs: ms, enumAsString: !numeric };
    const before = await client.get(name, read);
    await client.put(name, values, { timeoutMs: ms, wait: boolFlag(parsed, "wait") });
    const after = await client.get(name, read);
    if (boolFlag(parsed, "json")) {
      const doc = { name, old: valueJson(name, before), new: valueJson(name, after) };
      out(JSON.stringify(doc, null, 2) + "\n");
    } else {
      out(nameLines([
        [`Old : ${name}`, valueText(before.value)],
        [`New : ${name}`, valueText(after.value)],
      ]));
    }
  } finally {
    await client.close();
  }
  return 0;
}

import assert from "node:assert/strict";
import { runLogFilter } from "../tests/helpers/log_filter.ts";
import { LineEditor } from "./line_editor.ts";

const PROMPT = "epics> ";

/** What a console IOC's log holds for this terminal output: the real filter (GNU sed). */
async function logOf(output: string): Promise<string[]> {
  return (await runLogFilter(output)).split("\n").filter((line) => line !== "");
}

/** One terminal line as a terminal shows it: BS moves left, ESC [ K erases to the end. */
class Terminal {
  lines: string[] = [];
  #line: string[] = [];
  #at = 0;
  write(text: string): void {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c === "\b") this.#at = Math.max(0, this.#at - 1);
      else if (c === "\n") {
        this.lines.push(this.current);
        this.#line = [];
        this.#at = 0;
      } else if (text.startsWith("\x1b[K", i)) {
        this.#line.length = this.#at;
        i += 2;
      } else {
        this.#line[this.#at++] = c;
      }
    }
  }
  /** The line being written, trailing blanks dropped. */
  get current(): string {
    return Array.from(this.#line, (c) => c ?? " ").join("").trimEnd();
  }
  /** Cursor column. */
  get column(): number {
    return this.#at;
  }
}

function setUp() {
  const terminal = new Terminal();
  let output = "";
  const lines: string[] = [];
  const editor = new LineEditor({
    prompt: PROMPT,
    write: (text) => {
      output += text;
      terminal.write(text);
    },
    onLine: (line) => lines.push(line),
    onEnd: () => lines.push("<end>"),
  });
  editor.show();
  return { editor, terminal, lines, output: () => output };
}

Deno.test("LineEditor edits in the middle of a line and logs the line as it ran", async () => {
  const { editor, terminal, lines, output } = setUp();
  // ab, Left, c, Backspace, Right, x → "abx"; Home, z → "zabx".
  editor.feed("ab\x1b[Dc\x7f\x1b[Cx\x1b[Hz");
  assert.equal(terminal.current, `${PROMPT}zabx`);
  assert.equal(terminal.column, PROMPT.length + 1);
  editor.feed("\r");
  assert.deepEqual(lines, ["zabx"]);
  assert.deepEqual(terminal.lines, [`${PROMPT}zabx`]);
  assert.deepEqual(await logOf(output()), [`${PROMPT}zabx`, PROMPT]);
});

Deno.test("LineEditor recalls history with Up and Down and keeps the draft", () => {
  const { editor, terminal, lines } = setUp();
  editor.feed("dbl\rdbgf X\r");
  editor.feed("dr\x1b[A");
  assert.equal(terminal.current, `${PROMPT}dbgf X`);
  editor.feed("\x1b[A\x1b[A");
  assert.equal(terminal.current, `${PROMPT}dbl`, "the oldest line stays");
  editor.feed("\x1b[B\x1b[B");
  assert.equal(terminal.current, `${PROMPT}dr`, "the draft comes back");
  editor.feed("\x1b[A\x1b[A\r\x1bOA\r");
  assert.deepEqual(lines, ["dbl", "dbgf X", "dbl", "dbl"]);
  assert.deepEqual(editor.history, ["dbl", "dbgf X", "dbl"], "no repeat of the last line");
});

Deno.test("LineEditor prints output above the prompt, leaving no prompt in the log", async () => {
  const { editor, terminal, lines, output } = setUp();
  editor.feed("db\x1b[D");
  editor.printAbove(() => terminal.write("tick 1\n"));
  assert.equal(terminal.current, `${PROMPT}db`);
  assert.equal(terminal.column, PROMPT.length + 1, "the cursor is back where it was");
  editor.feed("\x1b[Cl\r");
  assert.deepEqual(lines, ["dbl"]);
  assert.deepEqual(terminal.lines, ["tick 1", `${PROMPT}dbl`]);
  // The tick's line is written by the test, not the editor: add it where it went.
  const full = output().replace("\x1b[K", "\x1b[Ktick 1\n");
  assert.deepEqual(await logOf(full), ["tick 1", `${PROMPT}dbl`, PROMPT]);
});

Deno.test("LineEditor takes CR LF, CR NUL and LF as one Enter, and escape sequences split by reads", () => {
  const { editor, lines } = setUp();
  editor.feed("a\r\nb\r\0c\nd\x1b");
  editor.feed("[");
  editor.feed("Dx\r");
  assert.deepEqual(lines, ["a", "b", "c", "xd"]);
});

Deno.test("LineEditor ends on Ctrl-D at an empty line, deletes under the cursor otherwise", () => {
  const { editor, terminal, lines } = setUp();
  editor.feed("ab\x01\x04");
  assert.equal(terminal.current, `${PROMPT}b`);
  editor.feed("\x05\x15\x04"); // End, kill to the start, Ctrl-D
  assert.deepEqual(lines, ["<end>"]);
});

Deno.test("LineEditor: random edits show on the terminal and reach the log as the line that ran", async () => {
  // A fixed-seed generator, so a failure is reproducible.
  let seed = 12345;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const keys = ["a", "b", "c", "\x7f", "\x1b[D", "\x1b[C", "\x1b[H", "\x1b[F", "\x1b[3~", "\x1b[A"];
  const { editor, terminal, lines, output } = setUp();
  const expected: string[] = [];
  for (let round = 0; round < 200; round++) {
    for (let n = random(12); n > 0; n--) editor.feed(keys[random(keys.length)]!);
    const shown = terminal.current.slice(PROMPT.length);
    editor.feed("\r");
    assert.equal(lines.at(-1), shown, `round ${round}: the line run is the line shown`);
    expected.push(`${PROMPT}${shown}`.trimEnd());
  }
  assert.deepEqual(terminal.lines.map((line) => line.trimEnd()), expected);
  const log = (await logOf(output())).map((line) => line.trimEnd());
  assert.deepEqual(log.slice(0, -1), expected);
});

/**
 * A minimal line editor for the demo IOC's shell on a terminal: a prompt, insert and delete
 * anywhere in the line, arrow keys, Home/End, and history recalled with Up/Down (in memory).
 *
 * Why not node:readline: it works under Deno, but it redraws by moving the cursor with escape
 * sequences and reprinting the whole prompt and line, so a console IOC's log (procServ's output
 * through iocsup's filter, which drops escape sequences and applies backspaces) would read
 * `epics> dbepics> dbl` for an edited line and `epics> demo IOC …` for every tick. This editor moves
 * left only with backspaces and always rewrites what follows the cursor, as GNU readline does on a
 * dumb terminal: the filtered log then holds exactly the line that ran, and the prompt it hides to
 * print a tick leaves nothing in the log. Lines longer than the terminal are not wrapped back.
 *
 * Sans-I/O: keys go in through {@linkcode LineEditor.feed}, terminal output goes out through the
 * `write` callback, finished lines through `onLine`.
 *
 * @module
 */

const BS = "\b";
/** Erase from the cursor to the end of the line (the log filter drops it). */
const ERASE_TO_END = "\x1b[K";

/** Options of {@linkcode LineEditor}. */
export interface LineEditorOptions {
  /** Shown before the line, e.g. `epics> `. */
  prompt: string;
  /** Writes terminal output (synchronously, so it interleaves correctly with other output). */
  write(text: string): void;
  /** Called with each line on Enter; the prompt is shown again when it returns. */
  onLine(line: string): void;
  /** Called on Ctrl-D at an empty line, the terminal's end of input. */
  onEnd(): void;
  /** Lines kept for Up/Down. @default 100 */
  historySize?: number;
}

/**
 * One prompt with its line being edited.
 *
 * @example Usage
 * ```ts
 * import { LineEditor } from "./line_editor.ts";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * let screen = "";
 * const editor = new LineEditor({
 *   prompt: "epics> ",
 *   write: (text) => (screen += text),
 *   onLine: (line) => lines.push(line),
 *   onEnd: () => {},
 * });
 * editor.show();
 * editor.feed("dbl\r\x1b[A\r"); // dbl, Enter, Up, Enter
 * assert.deepEqual(lines, ["dbl", "dbl"]);
 * ```
 */
export class LineEditor {
  #options: LineEditorOptions;
  #line = "";
  #cursor = 0;
  #shown = false;
  /** Keys received but not yet complete (an escape sequence cut by a read). */
  #pending = "";
  /** A CR was the last key: a LF or NUL right after it belongs to the same Enter. */
  #afterCr = false;
  #history: string[] = [];
  /** Position in #history while recalling; #history.length is the line being typed. */
  #recall = 0;
  /** The line being typed, kept while Up/Down show history. */
  #draft = "";

  /** @param options Prompt, output and callbacks. */
  constructor(options: LineEditorOptions) {
    this.#options = options;
  }

  /** The history, oldest first. */
  get history(): readonly string[] {
    return this.#history;
  }

  /** Print the prompt and the line being edited, cursor in place. */
  show(): void {
    if (this.#shown) return;
    this.#shown = true;
    const rest = this.#line.length - this.#cursor;
    this.#options.write(this.#options.prompt + this.#line + BS.repeat(rest));
  }

  /**
   * Take the prompt off the screen (to print a line of output in its place). Backspaces over
   * everything before the cursor, then erase to the end: the log filter applies the backspaces,
   * so the log shows no trace of the prompt.
   */
  hide(): void {
    if (!this.#shown) return;
    this.#shown = false;
    this.#options.write(BS.repeat(this.#options.prompt.length + this.#cursor) + ERASE_TO_END);
  }

  /**
   * Print output while the prompt is shown: the prompt is hidden, `print` runs, the prompt is
   * redrawn below with the line as it was.
   *
   * @param print Writes whole lines (ending in a newline).
   */
  printAbove(print: () => void): void {
    const shown = this.#shown;
    this.hide();
    print();
    if (shown) this.show();
  }

  /**
   * Handle keys typed at the terminal.
   *
   * @param keys Text read from the terminal (any part of a key sequence).
   */
  feed(keys: string): void {
    let text = this.#pending + keys;
    this.#pending = "";
    while (text.length > 0) {
      const length = keyLength(text);
      if (length === 0) {
        this.#pending = text;
        return;
      }
      const key = text.slice(0, length);
      text = text.slice(length);
      const afterCr = this.#afterCr;
      this.#afterCr = key === "\r";
      if (afterCr && (key === "\n" || key === "\0")) continue;
      this.#key(key);
    }
  }

  #key(key: string): void {
    const line = this.#line;
    const at = this.#cursor;
    switch (key) {
      case "\r":
      case "\n":
        return this.#enter();
      case "\x7f":
      case "\b":
        if (at > 0) this.#render(line.slice(0, at - 1) + line.slice(at), at - 1);
        return;
      case "\x1b[3~":
        this.#render(line.slice(0, at) + line.slice(at + 1), at);
        return;
      case "\x04": // Ctrl-D: end of input on an empty line, else delete.
        if (line === "") {
          this.hide();
          return this.#options.onEnd();
        }
        this.#render(line.slice(0, at) + line.slice(at + 1), at);
        return;
      case "\x1b[D":
      case "\x1bOD":
      case "\x02":
        this.#render(line, Math.max(0, at - 1));
        return;
      case "\x1b[C":
      case "\x1bOC":
      case "\x06":
        this.#render(line, Math.min(line.length, at + 1));
        return;
      case "\x1b[H":
      case "\x1bOH":
      case "\x1b[1~":
      case "\x1b[7~":
      case "\x01":
        this.#render(line, 0);
        return;
      case "\x1b[F":
      case "\x1bOF":
      case "\x1b[4~":
      case "\x1b[8~":
      case "\x05":
        this.#render(line, line.length);
        return;
      case "\x15": // Ctrl-U
        this.#render(line.slice(at), 0);
        return;
      case "\x0b": // Ctrl-K
        this.#render(line.slice(0, at), at);
        return;
      case "\x1b[A":
      case "\x1bOA":
      case "\x10":
        return this.#recallAt(this.#recall - 1);
      case "\x1b[B":
      case "\x1bOB":
      case "\x0e":
        return this.#recallAt(this.#recall + 1);
    }
    // Printable text is inserted; other control keys and escape sequences are ignored.
    if (key.length === 1 && key >= " " || key.length > 1 && key[0] !== "\x1b") {
      this.#render(line.slice(0, at) + key + line.slice(at), at + key.length);
    }
  }

  #enter(): void {
    const line = this.#line;
    // The rest of the line is written out first, so the log holds all of it.
    this.#options.write(`${line.slice(this.#cursor)}\n`);
    this.#shown = false;
    this.#line = "";
    this.#cursor = 0;
    if (line.trim() !== "" && this.#history.at(-1) !== line) {
      this.#history.push(line);
      const size = this.#options.historySize ?? 100;
      if (this.#history.length > size) this.#history.splice(0, this.#history.length - size);
    }
    this.#recall = this.#history.length;
    this.#draft = "";
    this.#options.onLine(line);
    this.show();
  }

  #recallAt(index: number): void {
    if (index < 0 || index > this.#history.length || index === this.#recall) return;
    if (this.#recall === this.#history.length) this.#draft = this.#line;
    this.#recall = index;
    const line = index === this.#history.length ? this.#draft : this.#history[index] ?? "";
    this.#render(line, line.length);
  }

  /**
   * Change the line and cursor on screen. Invariant: the log holds the prompt and the text before
   * the cursor, because the cursor only ever moves left by backspaces and everything written after
   * them is written out again.
   */
  #render(line: string, cursor: number): void {
    const old = this.#line;
    const oldCursor = this.#cursor;
    this.#line = line;
    this.#cursor = cursor;
    if (!this.#shown) return;
    let same = 0;
    const limit = Math.min(oldCursor, line.length);
    while (same < limit && old[same] === line[same]) same++;
    const pad = Math.max(0, old.length - line.length);
    this.#options.write(
      BS.repeat(oldCursor - same) + line.slice(same) + " ".repeat(pad) +
        BS.repeat(line.length + pad - cursor),
    );
  }
}

/**
 * Length of the key at the start of `text`: one character, or a whole escape sequence (`ESC [`
 * parameters and a final byte, or `ESC O` and a letter); 0 when the sequence is not complete yet.
 */
function keyLength(text: string): number {
  if (text[0] !== "\x1b") return text.codePointAt(0)! > 0xffff ? 2 : 1;
  if (text.length < 2) return 0;
  if (text[1] === "O") return text.length < 3 ? 0 : 3;
  if (text[1] !== "[") return 2;
  // After `ESC [`: parameter bytes, intermediate bytes, one final byte.
  const body = text.slice(2);
  const end = /^[0-?]*[ -/]*[@-~]/.exec(body);
  if (end) return 2 + end[0].length;
  // Still only parameter bytes: wait for the rest; anything else is a malformed sequence.
  return /^[0-?]*[ -/]*$/.test(body) ? 0 : 2;
}

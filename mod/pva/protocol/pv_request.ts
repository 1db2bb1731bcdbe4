/**
 * pvRequest (§6): the "type + value" every operation INIT carries, turned into a pure description
 * (selected field paths and record options) and into the BitSet mask a server ANDs with every
 * data BitSet. Also builds pvRequests from the text form tools accept
 * (`field(value,alarm)record[pipeline=true,queueSize=4]`).
 *
 * @module
 */

import { BitSet } from "./bitset.ts";
import { type FieldDesc, type StructDesc, structure } from "./field_desc.ts";
import { fieldIndex } from "./field_index.ts";
import type { StructValue, TypedValue } from "./value.ts";

/** What a pvRequest asks for. */
export interface PvRequest {
  /** Selected dotted field paths, or `null` for every field (no/empty `field` member). */
  fields: readonly string[] | null;
  /** `record._options`, every value as a string ("true", "4"), whatever type it was sent as. */
  options: ReadonlyMap<string, string>;
}

/** The options a server acts on, parsed from {@linkcode PvRequest.options}. */
export interface RequestOptions {
  /** Monitor flow control (`pipeline`). */
  pipeline: boolean;
  /** Monitor queue size (`queueSize`, default 4). */
  queueSize: number;
  /** `process`: process the record before a get / after a put. */
  process: "true" | "false" | "passive" | undefined;
  /** `block`: reply to a put only after processing completes. */
  block: boolean;
  /** `DBE` event mask text, if given. */
  dbe: string | undefined;
  /** Options we do not know (a server may send a warning MESSAGE). */
  unknown: string[];
  /** Values that could not be parsed, e.g. `queueSize "x"` (pvxs fails such a monitor INIT). */
  problems: string[];
}

const EVERYTHING: PvRequest = Object.freeze({ fields: null, options: new Map() });
const KNOWN = new Set(["pipeline", "queueSize", "ackAny", "process", "block", "DBE"]);

function optionText(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || typeof v === "number" || typeof v === "bigint") return String(v);
  return undefined;
}

function collect(t: FieldDesc, prefix: string, out: string[]): void {
  if (t.kind !== "structure") return;
  for (const f of t.fields) {
    if (f.name.startsWith("_")) continue; // per-field "_options"
    const path = prefix ? `${prefix}.${f.name}` : f.name;
    if (f.type.kind === "structure" && f.type.fields.some((x) => !x.name.startsWith("_"))) {
      collect(f.type, path, out);
    } else {
      out.push(path);
    }
  }
}

/**
 * Interpret a received pvRequest. The NULL type, an empty structure (pvAccessCPP's default) and
 * `field()` (pvxs's default) all mean everything.
 *
 * @param req The pvRequest as decoded from the INIT.
 * @returns Selected paths and options.
 * @example Usage
 * ```ts
 * import { parsePvRequest, pvRequestFromString } from "./pv_request.ts";
 * parsePvRequest(pvRequestFromString("field(value,alarm)")).fields; // ["value", "alarm"]
 * ```
 */
export function parsePvRequest(req: TypedValue | null): PvRequest {
  if (!req || req.type?.kind !== "structure") return EVERYTHING;
  const top = req.type;
  const value = (req.value ?? {}) as StructValue;
  let fields: string[] | null = null;
  const fieldType = top.fields.find((f) => f.name === "field")?.type;
  if (fieldType) {
    const paths: string[] = [];
    collect(fieldType, "", paths);
    if (paths.length > 0) fields = paths;
  }
  const options = new Map<string, string>();
  const recordType = top.fields.find((f) => f.name === "record")?.type;
  if (recordType?.kind === "structure") {
    const optType = recordType.fields.find((f) => f.name === "_options")?.type;
    const optValue = ((value["record"] ?? {}) as StructValue)["_options"] as StructValue | null;
    if (optType?.kind === "structure" && optValue) {
      for (const f of optType.fields) {
        const text = optionText(optValue[f.name]);
        if (text !== undefined) options.set(f.name, text);
      }
    }
  }
  return { fields, options };
}

/**
 * Parse the record options a server acts on (values arrive as strings from both stock tools,
 * but may be booleans or numbers from others).
 *
 * @param req A parsed pvRequest.
 * @returns The options, with unknown names and unparseable values listed.
 * @example Usage
 * ```ts
 * import { parsePvRequest, pvRequestFromString, requestOptions } from "./pv_request.ts";
 * const o = requestOptions(parsePvRequest(pvRequestFromString("record[pipeline=true,queueSize=4]")));
 * [o.pipeline, o.queueSize]; // [true, 4]
 * ```
 */
export function requestOptions(req: PvRequest): RequestOptions {
  const out: RequestOptions = {
    pipeline: false,
    queueSize: 4,
    process: undefined,
    block: false,
    dbe: undefined,
    unknown: [],
    problems: [],
  };
  const bool = (name: string, text: string): boolean => {
    const t = text.toLowerCase();
    if (t === "true" || t === "1") return true;
    if (t !== "false" && t !== "0") out.problems.push(`${name}="${text}"`);
    return false;
  };
  for (const [name, text] of req.options) {
    if (!KNOWN.has(name)) out.unknown.push(name);
    else if (name === "pipeline") out.pipeline = bool(name, text);
    else if (name === "block") out.block = bool(name, text);
    else if (name === "DBE") out.dbe = text;
    else if (name === "process") {
      const t = text.toLowerCase();
      if (t === "true" || t === "false" || t === "passive") out.process = t;
      else out.problems.push(`process="${text}"`);
    } else if (name === "queueSize") {
      const n = Number(text);
      if (Number.isInteger(n) && n >= 2) out.queueSize = n;
      else out.problems.push(`queueSize="${text}"`);
    }
  }
  return out;
}

/**
 * The BitSet of the fields a request selects in `type`: each selected field and all of its
 * descendants. AND it with every data BitSet (the INIT reply keeps the full type, §6).
 *
 * @param req A parsed pvRequest.
 * @param type The channel's structure type.
 * @returns The mask, or `undefined` when the selection matches no field (QSRV2 then fails the
 *   INIT with an ERROR status).
 * @example Usage
 * ```ts
 * import { ntEnum } from "./nt.ts";
 * import { parsePvRequest, pvRequestFromString, selectionMask } from "./pv_request.ts";
 * selectionMask(parsePvRequest(pvRequestFromString("field(value)")), ntEnum())?.toString(); // "{1,2,3}"
 * ```
 */
export function selectionMask(req: PvRequest, type: StructDesc): BitSet | undefined {
  const idx = fieldIndex(type);
  if (req.fields === null) return new BitSet().setRange(0, idx.count);
  const mask = new BitSet();
  for (const path of req.fields) {
    const e = idx.byPath(path);
    if (e) mask.setRange(e.bit, e.end);
  }
  return mask.empty ? undefined : mask;
}

const EMPTY = (): StructDesc => structure("", {});

function selectionType(paths: string[]): StructDesc {
  const root: StructDesc = EMPTY();
  for (const path of paths) {
    let cur = root;
    for (const name of path.split(".")) {
      let f = cur.fields.find((x) => x.name === name);
      if (!f) {
        f = { name, type: EMPTY() };
        (cur.fields as { name: string; type: FieldDesc }[]).push(f);
      }
      cur = f.type as StructDesc;
    }
  }
  return root;
}

/**
 * Build a pvRequest from the text form pvxs tools accept: `field(a,b.c)` selects fields,
 * `record[k=v,…]` sets options (as strings, as the tools send them); a bare list `a,b` means
 * `field(a,b)`. The empty string gives pvxs's default, `struct { struct {} field }`.
 *
 * @param text The request text.
 * @returns The pvRequest as a type and value.
 * @throws {SyntaxError} On unbalanced brackets.
 * @example Usage
 * ```ts
 * import { pvRequestFromString } from "./pv_request.ts";
 * pvRequestFromString("").value; // { field: {} }
 * ```
 */
export function pvRequestFromString(text: string): TypedValue {
  const paths: string[] = [];
  const options: [string, string][] = [];
  let rest = text.trim();
  while (rest.length > 0) {
    const m = /^(field|record)\s*([([])/.exec(rest);
    if (!m) {
      paths.push(...rest.split(",").map((s) => s.trim()).filter(Boolean));
      break;
    }
    const close = m[2] === "(" ? ")" : "]";
    const end = rest.indexOf(close, m[0].length);
    if (end < 0) throw new SyntaxError(`Cannot parse pvRequest "${text}": missing "${close}"`);
    const body = rest.slice(m[0].length, end);
    const items = body.split(",").map((s) => s.trim()).filter(Boolean);
    if (m[1] === "field") paths.push(...items);
    else {
      for (const item of items) {
        const eq = item.indexOf("=");
        options.push(eq < 0 ? [item, ""] : [item.slice(0, eq).trim(), item.slice(eq + 1).trim()]);
      }
    }
    rest = rest.slice(end + 1).trim();
  }
  const members: Record<string, FieldDesc> = { field: selectionType(paths) };
  const value: StructValue = { field: {} };
  if (options.length > 0) {
    const optType = structure(
      "",
      Object.fromEntries(options.map(([k]) => [k, { kind: "scalar", type: "string" }])),
    );
    members["record"] = structure("", { _options: optType });
    value["record"] = { _options: Object.fromEntries(options) };
  }
  return { type: structure("", members), value: fillEmpty(structure("", members), value) };
}

function fillEmpty(t: StructDesc, v: StructValue): StructValue {
  for (const f of t.fields) {
    if (f.type.kind === "structure" && f.name !== "record") {
      v[f.name] = fillEmpty(f.type, (v[f.name] ?? {}) as StructValue);
    }
  }
  return v;
}

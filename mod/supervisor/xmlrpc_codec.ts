/**
 * The XML-RPC codec iocsup needs for supervisord: encode a `methodCall`, decode a
 * `methodResponse` (values or a fault). Pure and dependency-free: `iocsup status` must start in
 * a fraction of `supervisorctl`'s time, and an XML library import alone cost more than that.
 *
 * Decoding accepts what Python's `xmlrpc.client` writes (supervisord uses it): `int`, `i4`,
 * `i8`, `boolean`, `double`, `string` (or untyped text), `array`, `struct`, `nil`, `base64`,
 * `dateTime.iso8601` (as its text).
 *
 * @module
 */

/** An XML-RPC value. */
export type XmlRpcValue =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | XmlRpcValue[]
  | { [member: string]: XmlRpcValue };

/** A `<fault>` answer. */
export class XmlRpcFaultResponse extends Error {
  /** faultCode. */
  readonly faultCode: number;
  /** faultString. */
  readonly faultString: string;
  /**
   * @param faultCode The fault's code.
   * @param faultString The fault's text.
   */
  constructor(faultCode: number, faultString: string) {
    super(`XML-RPC fault ${faultCode}: ${faultString}`);
    this.name = "XmlRpcFaultResponse";
    this.faultCode = faultCode;
    this.faultString = faultString;
  }
}

function escapeText(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function encodeValue(value: XmlRpcValue): string {
  if (typeof value === "string") return `<value><string>${escapeText(value)}</string></value>`;
  if (typeof value === "boolean") return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (typeof value === "number") {
    return Number.isInteger(value) && Math.abs(value) < 2 ** 31
      ? `<value><int>${value}</int></value>`
      : `<value><double>${value}</double></value>`;
  }
  if (value === null) return "<value><nil/></value>";
  if (value instanceof Uint8Array) {
    return `<value><base64>${btoa(String.fromCharCode(...value))}</base64></value>`;
  }
  if (Array.isArray(value)) {
    return `<value><array><data>${value.map(encodeValue).join("")}</data></array></value>`;
  }
  const members = Object.entries(value)
    .map(([name, v]) => `<member><name>${escapeText(name)}</name>${encodeValue(v)}</member>`);
  return `<value><struct>${members.join("")}</struct></value>`;
}

/**
 * Encode a method call.
 *
 * @param method Wire name, e.g. `"supervisor.getState"`.
 * @param params Parameters.
 * @returns The XML document.
 * @example Usage
 * ```ts
 * import { encodeMethodCall } from "./xmlrpc_codec.ts";
 * encodeMethodCall("supervisor.stopProcess", ["ioc1", true]);
 * ```
 */
export function encodeMethodCall(method: string, params: readonly XmlRpcValue[] = []): string {
  const encoded = params.map((p) => `<param>${encodeValue(p)}</param>`).join("");
  return `<?xml version="1.0"?><methodCall><methodName>${
    escapeText(method)
  }</methodName><params>${encoded}</params></methodCall>`;
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  if (!text.includes("&")) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith("#x")) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

/** A cursor over the document's tags; text between tags is read on demand. */
class Reader {
  #xml: string;
  #pos = 0;
  constructor(xml: string) {
    this.#xml = xml;
  }

  /** Skip the prolog, comments and whitespace; return the next tag name (with "/" for closers). */
  peekTag(): { name: string; selfClosing: boolean; start: number; end: number } {
    let pos = this.#pos;
    while (true) {
      const lt = this.#xml.indexOf("<", pos);
      if (lt < 0) throw new SyntaxError("Cannot decode XML-RPC: unexpected end of document");
      const gt = this.#xml.indexOf(">", lt);
      if (gt < 0) throw new SyntaxError("Cannot decode XML-RPC: unterminated tag");
      const inner = this.#xml.slice(lt + 1, gt);
      if (inner.startsWith("?") || inner.startsWith("!")) {
        pos = gt + 1;
        continue;
      }
      const selfClosing = inner.endsWith("/");
      const name = (selfClosing ? inner.slice(0, -1) : inner).trim().split(/\s/)[0]!;
      return { name, selfClosing, start: lt, end: gt + 1 };
    }
  }

  /** Consume the next tag, which must be `name` (an opener, or a closer as "/name"). */
  expect(name: string): { selfClosing: boolean } {
    const tag = this.peekTag();
    if (tag.name !== name) {
      throw new SyntaxError(`Cannot decode XML-RPC: expected <${name}>, found <${tag.name}>`);
    }
    this.#pos = tag.end;
    return { selfClosing: tag.selfClosing };
  }

  /** The raw text up to the next tag (consumed). */
  text(): string {
    const lt = this.#xml.indexOf("<", this.#pos);
    if (lt < 0) throw new SyntaxError("Cannot decode XML-RPC: unexpected end of document");
    const raw = this.#xml.slice(this.#pos, lt);
    this.#pos = lt;
    return raw;
  }
}

function readValue(r: Reader): XmlRpcValue {
  if (r.expect("value").selfClosing) return "";
  const text = r.text();
  const tag = r.peekTag();
  if (tag.name === "/value") {
    r.expect("/value");
    return decodeEntities(text);
  }
  const type = tag.name;
  const { selfClosing } = r.expect(type);
  let value: XmlRpcValue;
  if (selfClosing) {
    value = type === "nil" ? null : type === "array" ? [] : type === "struct" ? {} : "";
  } else if (type === "array") {
    const items: XmlRpcValue[] = [];
    if (!r.expect("data").selfClosing) {
      while (r.peekTag().name === "value") items.push(readValue(r));
      r.expect("/data");
    }
    r.expect("/array");
    value = items;
  } else if (type === "struct") {
    const members: Record<string, XmlRpcValue> = {};
    while (r.peekTag().name === "member") {
      r.expect("member");
      r.expect("name");
      const name = decodeEntities(r.text());
      r.expect("/name");
      members[name] = readValue(r);
      r.expect("/member");
    }
    r.expect("/struct");
    value = members;
  } else {
    const raw = decodeEntities(r.text());
    r.expect(`/${type}`);
    value = scalar(type, raw);
  }
  r.expect("/value");
  return value;
}

function scalar(type: string, raw: string): XmlRpcValue {
  switch (type) {
    case "int":
    case "i4":
    case "i8":
    case "double": {
      const n = Number(raw.trim());
      if (Number.isNaN(n)) throw new SyntaxError(`Cannot decode XML-RPC ${type} "${raw}"`);
      return n;
    }
    case "boolean":
      return raw.trim() === "1";
    case "string":
    case "dateTime.iso8601":
      return raw;
    case "nil":
      return null;
    case "base64":
      return Uint8Array.from(atob(raw.replace(/\s/g, "")), (c) => c.charCodeAt(0));
    default:
      throw new SyntaxError(`Cannot decode XML-RPC value of type "${type}"`);
  }
}

/**
 * Decode a method response.
 *
 * @param xml The response body.
 * @returns The single result value.
 * @throws {XmlRpcFaultResponse} When the response is a fault.
 * @throws {SyntaxError} When the document is not an XML-RPC response.
 * @example Usage
 * ```ts
 * import { decodeMethodResponse } from "./xmlrpc_codec.ts";
 * decodeMethodResponse(
 *   "<?xml version='1.0'?><methodResponse><params><param><value><int>7</int></value></param></params></methodResponse>",
 * ); // 7
 * ```
 */
export function decodeMethodResponse(xml: string): XmlRpcValue {
  const r = new Reader(xml);
  r.expect("methodResponse");
  if (r.peekTag().name === "fault") {
    r.expect("fault");
    const fault = readValue(r);
    const f = typeof fault === "object" && fault !== null && !Array.isArray(fault) &&
        !(fault instanceof Uint8Array)
      ? fault
      : {};
    throw new XmlRpcFaultResponse(
      typeof f.faultCode === "number" ? f.faultCode : -1,
      typeof f.faultString === "string" ? f.faultString : "",
    );
  }
  r.expect("params");
  r.expect("param");
  const value = readValue(r);
  r.expect("/param");
  return value;
}

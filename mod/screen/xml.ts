/**
 * A minimal XML writer: elements, attributes and text, escaped, serialized with two-space
 * indentation and attributes in the order given, so the same tree always gives the same bytes.
 *
 * @module
 */

/** One XML element. */
export interface XmlElement {
  /** Element name. */
  name: string;
  /** Attributes in output order. */
  attrs: readonly (readonly [string, string])[];
  /** Child elements, or the element's text. */
  content: readonly XmlElement[] | string;
}

/**
 * Build an element.
 *
 * @param name Element name.
 * @param content Children, or text (numbers are written in decimal).
 * @param attrs Attributes in output order.
 * @returns The element.
 */
export function el(
  name: string,
  content: readonly XmlElement[] | string | number = [],
  attrs: readonly (readonly [string, string])[] = [],
): XmlElement {
  return { name, attrs, content: typeof content === "number" ? String(content) : content };
}

/**
 * Escape text for element content or a double-quoted attribute. Control characters other than
 * tab/newline/CR are not allowed in XML 1.0 at all, so they become U+FFFD rather than making
 * the file unreadable.
 *
 * @param text Raw text.
 * @returns Escaped text.
 * @example Usage
 * ```ts
 * import { escapeXml } from "./xml.ts";
 * escapeXml(`a<b & "c"`); // "a&lt;b &amp; &quot;c&quot;"
 * ```
 */
export function escapeXml(text: string): string {
  return text
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    // Attribute values normalise newlines and tabs to spaces unless they are references.
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;")
    .replace(/\t/g, "&#9;");
}

function serialize(element: XmlElement, indent: string, lines: string[]): void {
  const attrs = element.attrs.map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join("");
  const { content } = element;
  if (typeof content === "string") {
    lines.push(`${indent}<${element.name}${attrs}>${escapeXml(content)}</${element.name}>`);
  } else if (content.length === 0) {
    lines.push(`${indent}<${element.name}${attrs}/>`);
  } else {
    lines.push(`${indent}<${element.name}${attrs}>`);
    for (const child of content) serialize(child, indent + "  ", lines);
    lines.push(`${indent}</${element.name}>`);
  }
}

/**
 * Serialize a document: the XML declaration, then the root element, ending in a newline.
 *
 * @param root The root element.
 * @returns UTF-8 XML text.
 * @example Usage
 * ```ts
 * import { el, toXmlDocument } from "./xml.ts";
 * toXmlDocument(el("a", [el("b", "x&y")]));
 * // '<?xml version="1.0" encoding="UTF-8"?>\n<a>\n  <b>x&amp;y</b>\n</a>\n'
 * ```
 */
export function toXmlDocument(root: XmlElement): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  serialize(root, "", lines);
  return lines.join("\n") + "\n";
}

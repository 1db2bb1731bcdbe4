import assert from "node:assert/strict";
import {
  DETACH_KEY,
  escapeIac,
  handleKeys,
  IAC,
  LOGOUT_KEY,
  TelnetDecoder,
} from "../../../mod/console/session.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The end of what procServ 2.7.0 sent to a new client of its control socket (captured with a
 * Python socket client against `procServ -P unix:::0600:x.sock`): the last banner line, then
 * IAC WILL ECHO, IAC DO LINEMODE, then the IOC's prompt after a `dbl`.
 */
const PROCSERV_CAPTURE = new Uint8Array([
  ...encoder.encode("@@@ 0 user(s) and 0 logger(s) connected (plus you)\r\n"),
  0xff,
  0xfb,
  0x01,
  0xff,
  0xfd,
  0x22,
  ...encoder.encode("dbl\r\nREC:ONE\r\nREC:TWO\r\nepics> "),
]);
const PROCSERV_TEXT =
  "@@@ 0 user(s) and 0 logger(s) connected (plus you)\r\ndbl\r\nREC:ONE\r\nREC:TWO\r\nepics> ";

Deno.test("TelnetDecoder.decode() strips procServ's option negotiation", () => {
  assert.equal(decoder.decode(new TelnetDecoder().decode(PROCSERV_CAPTURE)), PROCSERV_TEXT);
});

Deno.test("TelnetDecoder.decode() gives the same data when a capture is split at any byte", () => {
  for (let split = 0; split <= PROCSERV_CAPTURE.length; split++) {
    const telnet = new TelnetDecoder();
    const first = telnet.decode(PROCSERV_CAPTURE.subarray(0, split));
    const second = telnet.decode(PROCSERV_CAPTURE.subarray(split));
    assert.equal(
      decoder.decode(new Uint8Array([...first, ...second])),
      PROCSERV_TEXT,
      `at ${split}`,
    );
  }
});

Deno.test("TelnetDecoder.decode() turns IAC IAC into one 0xFF and drops commands and subnegotiations", () => {
  const telnet = new TelnetDecoder();
  const input = new Uint8Array([
    0x61,
    IAC,
    IAC,
    0x62, // data 0xff
    IAC,
    241, // NOP
    IAC,
    250,
    24,
    0,
    IAC,
    IAC,
    0x78,
    IAC,
    240, // SB TERMINAL-TYPE ... SE, with an escaped IAC
    0x63,
    IAC,
    254,
    1,
    0x64, // DONT ECHO
  ]);
  assert.deepEqual([...telnet.decode(input)], [0x61, 0xff, 0x62, 0x63, 0x64]);
});

Deno.test("TelnetDecoder.decode() gives up on a subnegotiation that never ends", () => {
  const telnet = new TelnetDecoder();
  telnet.decode(new Uint8Array([IAC, 250, ...new Uint8Array(1025)]));
  assert.deepEqual([...telnet.decode(encoder.encode("ok"))], [0x6f, 0x6b]);
});

Deno.test("escapeIac() doubles 0xFF and leaves other bytes alone", () => {
  assert.deepEqual([...escapeIac(new Uint8Array([0xff, 0x41, 0xff]))], [
    0xff,
    0xff,
    0x41,
    0xff,
    0xff,
  ]);
  const plain = encoder.encode("dbl\r");
  assert.equal(escapeIac(plain), plain);
});

Deno.test("handleKeys() sends keys before the detach key and never the key itself", () => {
  const keys = handleKeys(new Uint8Array([0x64, 0x03, 0xff, DETACH_KEY, 0x65]), "rw");
  assert.deepEqual([...keys.send], [0x64, 0x03, 0xff, 0xff]);
  assert.equal(keys.detach, true);
  assert.equal(keys.ignored, 0);
  const plain = handleKeys(encoder.encode("dbl\n"), "rw");
  assert.equal(decoder.decode(plain.send), "dbl\n");
  assert.equal(plain.detach, false);
  assert.equal(plain.logout, false);
  assert.equal(handleKeys(new Uint8Array([0x61, LOGOUT_KEY]), "rw").logout, true);
  assert.equal(handleKeys(new Uint8Array([DETACH_KEY, LOGOUT_KEY]), "rw").logout, false);
});

Deno.test("handleKeys() in read-only mode sends nothing and counts what it ignored", () => {
  const typed = handleKeys(encoder.encode("dbl\r"), "ro");
  assert.equal(typed.send.length, 0);
  assert.equal(typed.ignored, 4);
  assert.equal(typed.detach, false);
  const leaving = handleKeys(new Uint8Array([0x61, DETACH_KEY]), "ro");
  assert.deepEqual(leaving, { send: new Uint8Array(0), detach: true, ignored: 1, logout: false });
  assert.equal(handleKeys(new Uint8Array([LOGOUT_KEY]), "ro").logout, false, "nothing is sent");
});

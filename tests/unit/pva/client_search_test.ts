/**
 * The PVA client's search datagrams and the reading of search responses, against captures.
 */
import assert from "node:assert/strict";
import { foundServers, searchDatagrams } from "../../../mod/pva/client/search.ts";
import { pick, toHex, wire } from "./_capture.ts";

Deno.test("searchDatagrams() sends what pvxget sent, unicast flag included (02b)", () => {
  const captured = pick("02-pvxget.txt", "02b", "C->S", "SEARCH");
  const [d] = searchDatagrams([{ id: 0x12345678, name: "CAP:HB" }], {
    sequence: 0x66696e64,
    replyPort: 35670,
    unicast: true,
  });
  assert.equal(toHex(d!), toHex(wire(captured)));
});

Deno.test("searchDatagrams() clears the unicast flag for broadcast destinations", () => {
  const [d] = searchDatagrams([{ id: 1, name: "X" }], {
    sequence: 1,
    replyPort: 1,
    unicast: false,
  });
  assert.equal(d![12], 0x00);
});

Deno.test("searchDatagrams() batches many names into several datagrams", () => {
  const names = Array.from({ length: 40 }, (_, i) => ({ id: i, name: `PV:${i}` }));
  const ds = searchDatagrams(names, { sequence: 1, replyPort: 1, unicast: true });
  assert.equal(ds.length, 3);
  for (const d of ds) assert.ok(d.length < 1400);
});

Deno.test("foundServers() reads softIocPVX's response: source address, TCP port, ids (02b)", () => {
  const reply = pick("02-pvxget.txt", "02b", "S->C", "SEARCH_RESPONSE");
  assert.deepEqual(foundServers(wire(reply), "127.0.0.1"), [
    { ids: [0x12345678], host: "127.0.0.1", port: 35075 },
  ]);
});

Deno.test("foundServers() skips discovery replies, searches and garbage", () => {
  const ping = pick("05-missing-pv.txt", "05c", "S->C", "SEARCH_RESPONSE");
  assert.deepEqual(foundServers(wire(ping), "127.0.0.1"), []);
  const search = pick("02-pvxget.txt", "02b", "C->S", "SEARCH");
  assert.deepEqual(foundServers(wire(search), "127.0.0.1"), []);
  assert.deepEqual(foundServers(Uint8Array.from([0xca, 2, 0xc0, 4, 0, 0, 0, 9, 1]), "1.2.3.4"), []);
});

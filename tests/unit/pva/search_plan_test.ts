/**
 * Search handling (§3.3–3.5): every captured unicast search is forwarded exactly as pvxs did,
 * every forwarded copy is answered at the client's address and port, and the responses we build
 * equal the captured ones.
 */
import assert from "node:assert/strict";
import {
  decodeHeader,
  decodeMessage,
  encodeMessage,
  ipv4Address,
  planSearchDatagram,
  SEARCH_UNICAST,
  type SearchMessage,
  searchReply,
  type SearchResponseMessage,
  UNSPECIFIED_V4,
} from "../../../mod/pva/protocol/mod.ts";
import {
  CAPTURE_FILES,
  type CaptureMessage,
  datagrams,
  readCapture,
  toHex,
  wire,
} from "./_capture.ts";

function bytesOf(d: CaptureMessage[]): Uint8Array {
  return new Uint8Array(d.flatMap((m) => [...wire(m)]));
}

function decoded<T>(m: CaptureMessage): T {
  return decodeMessage({ header: decodeHeader(m.hdr)!, payload: m.payload }) as T;
}

function sourceIp(d: CaptureMessage[]): string {
  return d[0]!.route.split(">")[0]!.split(":")[0]!;
}

Deno.test("planSearchDatagram() forwards every captured unicast search as pvxs did", () => {
  let forwarded = 0;
  for (const file of CAPTURE_FILES) {
    const ds = datagrams(readCapture(file));
    ds.forEach((d, i) => {
      const first = d[0]!;
      if (first.dir !== "C->S" || first.name !== "SEARCH") return;
      if (!(decoded<SearchMessage>(first).flags & SEARCH_UNICAST)) return;
      const plan = planSearchDatagram(bytesOf(d), sourceIp(d));
      assert.equal(plan.length, 1);
      assert.equal(plan[0]!.action, "forward", `${file}:${first.line}`);
      const next = ds[i + 1]!;
      assert.equal(next[0]!.dir, "FWD", `${file}:${first.line} is followed by its forwarded copy`);
      if (plan[0]!.action === "forward") {
        assert.equal(toHex(plan[0]!.datagram), toHex(bytesOf(next)), `${file}:${first.line}`);
      }
      forwarded++;
    });
  }
  assert.ok(forwarded > 50, `${forwarded} forwarded`);
});

Deno.test("planSearchDatagram() answers forwarded copies and searchReply() builds QSRV2's responses", () => {
  let answered = 0;
  for (const file of CAPTURE_FILES) {
    const ds = datagrams(readCapture(file));
    ds.forEach((d, i) => {
      if (d[0]!.dir !== "FWD") return;
      const plan = planSearchDatagram(bytesOf(d), "127.0.0.1");
      assert.equal(plan.length, 1);
      const a = plan[0]!;
      assert.equal(a.action, "answer", `${file}:${d[0]!.line}`);
      if (a.action !== "answer") return;
      const client = ds[i - 1]![0]!;
      assert.equal(a.replyIp, "127.0.0.1");
      assert.equal(a.replyPort, Number(client.route.split(">")[0]!.split(":")[1]));
      // Each server's responses to this search (two servers answer in 10c, 10e).
      for (const r of ds.slice(i + 1, i + 4).flat()) {
        if (r.dir !== "S->C" || r.name !== "SEARCH_RESPONSE") continue;
        const captured = decoded<SearchResponseMessage>(r);
        if (captured.sequence !== a.search.sequence) continue;
        const names = new Set(
          a.search.channels.filter((c) => captured.ids.includes(c.id)).map((c) => c.name),
        );
        const reply = searchReply(a.search, {
          guid: captured.guid,
          port: captured.serverPort,
          has: (n) => names.has(n),
        });
        assert.ok(reply, `${file}:${r.line}`);
        assert.equal(toHex(encodeMessage(reply, { littleEndian: false })), toHex(wire(r)));
        answered++;
      }
    });
  }
  assert.ok(answered > 50, `${answered} answered`);
});

Deno.test("searchReply() stays silent for names we lack unless mustReply is set (05a, 05c)", () => {
  const missing = readCapture("05-missing-pv.txt").find((m) =>
    m.section === "05a" && m.name === "SEARCH"
  )!;
  const us = { guid: new Uint8Array(12), port: 5075, has: () => false };
  assert.equal(searchReply(decoded<SearchMessage>(missing), us), undefined);
  const ping = readCapture("05-missing-pv.txt").find((m) =>
    m.section === "05c" && m.dir === "FWD" && m.name === "SEARCH"
  )!;
  const reply = searchReply(decoded<SearchMessage>(ping), us)!;
  assert.equal(reply.found, false);
  assert.deepEqual(reply.ids, []);
});

function search(flags: number, responseAddress: Uint8Array, protocols = ["tcp"]): Uint8Array {
  return encodeMessage({
    kind: "Search",
    sequence: 7,
    flags,
    responseAddress,
    responsePort: 40000,
    protocols,
    channels: [{ id: 1, name: "X" }],
  }, { littleEndian: true });
}

Deno.test("planSearchDatagram() answers a broadcast search at its source IP and responsePort", () => {
  const [a] = planSearchDatagram(search(0, UNSPECIFIED_V4), "10.1.2.3");
  assert.ok(a?.action === "answer");
  assert.deepEqual([a.replyIp, a.replyPort], ["10.1.2.3", 40000]);
  const [b] = planSearchDatagram(search(0, ipv4Address("10.9.9.9")), "10.1.2.3");
  assert.ok(b?.action === "answer" && b.replyIp === "10.9.9.9");
});

Deno.test("planSearchDatagram() tags forwards from other hosts with 0.0.0.0 and fills responseAddress", () => {
  const [a] = planSearchDatagram(search(SEARCH_UNICAST, new Uint8Array(16)), "10.1.2.3");
  assert.ok(a?.action === "forward");
  const frames = planSearchDatagram(a.datagram, "127.0.0.1");
  assert.ok(frames[0]?.action === "answer");
  assert.equal(frames[0].replyIp, "10.1.2.3");
  assert.equal(frames[0].search.flags & SEARCH_UNICAST, 0);
  assert.equal(toHex(a.datagram.subarray(8, 24)), toHex(UNSPECIFIED_V4));
});

Deno.test("planSearchDatagram() ignores foreign tags, unanswerable copies and other protocols", () => {
  const tagged = (ip: string, body: Uint8Array) =>
    new Uint8Array([
      ...encodeMessage({ kind: "OriginTag", address: ipv4Address(ip) }, { littleEndian: false }),
      ...body,
    ]);
  const copy = search(0, ipv4Address("127.0.0.1"));
  assert.equal(planSearchDatagram(tagged("10.7.7.7", copy), "127.0.0.1")[0]!.action, "ignore");
  assert.equal(
    planSearchDatagram(tagged("10.7.7.7", copy), "127.0.0.1", {
      isLocalAddress: (ip) => ip === "10.7.7.7",
    })[0]!.action,
    "answer",
  );
  assert.equal(
    planSearchDatagram(tagged("0.0.0.0", search(0, UNSPECIFIED_V4)), "127.0.0.1")[0]!.action,
    "ignore",
  );
  assert.equal(
    planSearchDatagram(search(0, UNSPECIFIED_V4, ["tls"]), "127.0.0.1")[0]!.action,
    "ignore",
  );
  // An empty protocol list means any (pvxlist's discovery ping).
  assert.equal(planSearchDatagram(search(0, UNSPECIFIED_V4, []), "127.0.0.1")[0]!.action, "answer");
});

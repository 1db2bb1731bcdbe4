/**
 * pvRequest interpretation (§6) with the requests both stock clients sent, checked against the
 * BitSets QSRV2 answered with.
 */
import assert from "node:assert/strict";
import {
  type BitSet,
  decodeHeader,
  decodeMessage,
  type DecodeOptions,
  leafBits,
  ntEnum,
  ntScalar,
  parsePvRequest,
  PvaReader,
  PvaWriter,
  pvRequestFromString,
  readBitSet,
  requestOptions,
  selectionMask,
  type StructDesc,
  TypeCache,
  type TypedValue,
  writeTyped,
} from "../../../mod/pva/protocol/mod.ts";
import { type CaptureMessage, pick, readCapture, toHex } from "./_capture.ts";

function initRequest(m: CaptureMessage, options: DecodeOptions = {}): TypedValue {
  const msg = decodeMessage({ header: decodeHeader(m.hdr)!, payload: m.payload }, options);
  assert.equal(msg.kind, "InitRequest");
  return (msg as { pvRequest: TypedValue }).pvRequest;
}

/** The BitSet of the first data reply (GET exec) of a section. */
function replyBits(file: string, section: string): BitSet {
  const m = pick(file, section, "S->C", "GET", 1);
  return readBitSet(new PvaReader(m.payload.subarray(6)));
}

Deno.test("parsePvRequest() reads the three default requests as everything", () => {
  const pvxs = initRequest(pick("02-pvxget.txt", "02b", "C->S", "GET"));
  const cpp = initRequest(pick("08-pvacpp-tools.txt", "08b", "C->S", "GET"), {
    cache: new TypeCache(),
  });
  const probe = initRequest(
    readCapture("07-handshake.txt").find((m) => m.note.includes("pvRequest=NULL"))!,
  );
  assert.equal(probe.type, null);
  for (const req of [pvxs, cpp, probe]) {
    const p = parsePvRequest(req);
    assert.equal(p.fields, null);
    assert.equal(p.options.size, 0);
    assert.equal(selectionMask(p, ntEnum())!.toString(), "{0,1,2,3,4,5,6,7,8,9,10,11,12,13}");
  }
});

/** Section, request text, type, selected paths, section of the same PV's default GET. */
const SELECTIONS: [string, string, StructDesc, string[], string][] = [
  ["02h", "field(value,alarm)", ntScalar("double"), ["value", "alarm"], "02c"],
  ["02i", "field(value)", ntEnum(), ["value"], "02a"],
  ["02j", "field(value.index)", ntEnum(), ["value.index"], "02a"],
  ["02k", "field(display.units,value)", ntScalar("double"), ["display.units", "value"], "02c"],
];

for (const [section, text, type, paths, full] of SELECTIONS) {
  Deno.test(`parsePvRequest() selects ${paths.join(", ")} for ${text} (${section})`, () => {
    const req = initRequest(pick("02-pvxget.txt", section, "C->S", "GET"));
    const p = parsePvRequest(req);
    assert.deepEqual(p.fields, paths);
    // QSRV2's reply marks exactly the selected leaves among those it sends by default.
    const mask = selectionMask(p, type)!;
    const sent = replyBits("02-pvxget.txt", section);
    assert.equal(mask.and(replyBits("02-pvxget.txt", full)).toString(), sent.toString());
    // The text form builds the same bytes pvxs sent.
    const w = new PvaWriter();
    writeTyped(w, pvRequestFromString(text));
    const m = pick("02-pvxget.txt", section, "C->S", "GET");
    assert.equal(toHex(w.finish()), toHex(m.payload.subarray(9)));
  });
}

Deno.test("selectionMask() gives {2,3} for field(value) on an NTEnum, as QSRV2 sent (02i, 04d)", () => {
  const p = parsePvRequest(pvRequestFromString("field(value)"));
  assert.equal(selectionMask(p, ntEnum())!.and(leafBits(ntEnum())).toString(), "{2,3}");
  assert.equal(replyBits("02-pvxget.txt", "02i").toString(), "{2,3}");
});

Deno.test("selectionMask() is undefined when the selection matches no field (02m)", () => {
  const p = parsePvRequest(initRequest(pick("02-pvxget.txt", "02m", "C->S", "GET")));
  assert.deepEqual(p.fields, ["nosuch"]);
  assert.equal(selectionMask(p, ntScalar("double")), undefined);
  // 02m: QSRV2 answered the INIT with an ERROR status.
  const reply = pick("02-pvxget.txt", "02m", "S->C", "GET");
  const m = decodeMessage({ header: decodeHeader(reply.hdr)!, payload: reply.payload });
  assert.ok(m.kind === "InitReply" && m.status.type === "error");
});

Deno.test("requestOptions() reads record[process=true] (02l)", () => {
  const p = parsePvRequest(initRequest(pick("02-pvxget.txt", "02l", "C->S", "GET")));
  assert.deepEqual(p.fields, ["value"]);
  assert.equal(requestOptions(p).process, "true");
});

Deno.test("requestOptions() reads pvxs's pipelined monitor request (04b)", () => {
  const m = pick("04-pvxmonitor.txt", "04b", "C->S", "MONITOR");
  const msg = decodeMessage({ header: decodeHeader(m.hdr)!, payload: m.payload });
  assert.ok(msg.kind === "InitRequest");
  assert.equal(msg.subcmd, 0x88);
  assert.equal(msg.queueSize, 4);
  const p = parsePvRequest(msg.pvRequest);
  assert.equal(p.fields, null);
  const o = requestOptions(p);
  assert.deepEqual([o.pipeline, o.queueSize, o.problems, o.unknown], [true, 4, [], []]);
});

Deno.test("requestOptions() reads pvAccessCPP's cached pipelined request (08l)", () => {
  const m = pick("08-pvacpp-tools.txt", "08l", "C->S", "MONITOR");
  const msg = decodeMessage({ header: decodeHeader(m.hdr)!, payload: m.payload }, {
    cache: new TypeCache(),
  });
  assert.ok(msg.kind === "InitRequest");
  assert.equal(msg.queueSize, 4);
  const o = requestOptions(parsePvRequest(msg.pvRequest));
  assert.deepEqual([o.pipeline, o.queueSize], [true, 4]);
  const ack = pick("08-pvacpp-tools.txt", "08l", "C->S", "MONITOR", 2);
  const a = decodeMessage({ header: decodeHeader(ack.hdr)!, payload: ack.payload });
  assert.ok(a.kind === "MonitorExec");
  assert.deepEqual([a.subcmd, a.ack], [0x80, 2]);
});

Deno.test("requestOptions() accepts booleans and numbers and reports bad or unknown options", () => {
  const o = requestOptions({
    fields: null,
    options: new Map([
      ["pipeline", "true"],
      ["queueSize", "1"],
      ["block", "maybe"],
      ["DBE", "VALUE"],
      ["frob", "x"],
    ]),
  });
  assert.deepEqual(o.problems, ['queueSize="1"', 'block="maybe"']);
  assert.deepEqual(o.unknown, ["frob"]);
  assert.equal(o.queueSize, 4);
  assert.equal(o.dbe, "VALUE");
  const typed = parsePvRequest({
    type: {
      kind: "structure",
      id: "",
      fields: [{
        name: "record",
        type: {
          kind: "structure",
          id: "",
          fields: [{
            name: "_options",
            type: {
              kind: "structure",
              id: "",
              fields: [
                { name: "pipeline", type: { kind: "scalar", type: "boolean" } },
                { name: "queueSize", type: { kind: "scalar", type: "int" } },
              ],
            },
          }],
        },
      }],
    },
    value: { record: { _options: { pipeline: true, queueSize: 8 } } },
  });
  const t = requestOptions(typed);
  assert.deepEqual([t.pipeline, t.queueSize], [true, 8]);
});

Deno.test("pvRequestFromString() builds pvxs's default and a pipelined request", () => {
  const w = new PvaWriter();
  writeTyped(w, pvRequestFromString(""));
  assert.equal(toHex(w.finish()), "800001056669656c64800000");
  const p = parsePvRequest(pvRequestFromString("record[pipeline=true,queueSize=4]field()"));
  assert.equal(p.fields, null);
  assert.equal(p.options.get("queueSize"), "4");
  assert.deepEqual(parsePvRequest(pvRequestFromString("value,alarm")).fields, ["value", "alarm"]);
  assert.throws(() => pvRequestFromString("field(value"), SyntaxError);
});

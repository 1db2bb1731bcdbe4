import assert from "node:assert/strict";
import {
  decodeMethodResponse,
  encodeMethodCall,
  XmlRpcFaultResponse,
} from "../../../mod/supervisor/xmlrpc_codec.ts";

const fixture = (name: string) =>
  Deno.readTextFile(new URL(`../../fixtures/xmlrpc/${name}`, import.meta.url));

Deno.test("decodeMethodResponse() reads supervisord's getAllProcessInfo", async () => {
  const value = decodeMethodResponse(await fixture("getAllProcessInfo.xml"));
  assert.ok(Array.isArray(value));
  const names = value.map((v) => (v as Record<string, unknown>).name);
  assert.deepEqual([...names].sort(), ["added", "drop", "iocsup-manager", "keep"]);
  const added = value.find((v) => (v as Record<string, unknown>).name === "added") as Record<
    string,
    unknown
  >;
  assert.equal(added.statename, "RUNNING");
  assert.equal(added.state, 20);
  assert.equal(typeof added.pid, "number");
  assert.match(added.description as string, /^pid \d+, uptime /);
  assert.equal(added.spawnerr, "");
});

Deno.test("decodeMethodResponse() turns a fault into XmlRpcFaultResponse with decoded text", async () => {
  const xml = await fixture("fault_bad_name.xml");
  assert.throws(() => decodeMethodResponse(xml), (error: unknown) => {
    assert.ok(error instanceof XmlRpcFaultResponse);
    assert.equal(error.faultCode, 10);
    assert.equal(error.faultString, "BAD_NAME: nope&<x>");
    return true;
  });
});

Deno.test("decodeMethodResponse() reads nested empty arrays", async () => {
  assert.deepEqual(decodeMethodResponse(await fixture("reloadConfig.xml")), [[[], [], []]]);
});

Deno.test("decodeMethodResponse() reads every scalar type and untyped strings", () => {
  const xml = `<?xml version='1.0'?><methodResponse><params><param><value><struct>
<member><name>i</name><value><i4>-5</i4></value></member>
<member><name>b</name><value><boolean>1</boolean></value></member>
<member><name>d</name><value><double>2.5</double></value></member>
<member><name>s</name><value>plain &#233;t&#xE9; &quot;q&quot;</value></member>
<member><name>n</name><value><nil/></value></member>
<member><name>e</name><value><string></string></value></member>
<member><name>b64</name><value><base64>AAEC</base64></value></member>
</struct></value></param></params></methodResponse>`;
  assert.deepEqual(decodeMethodResponse(xml), {
    i: -5,
    b: true,
    d: 2.5,
    s: 'plain été "q"',
    n: null,
    e: "",
    b64: new Uint8Array([0, 1, 2]),
  });
});

Deno.test("decodeMethodResponse() rejects what is not an XML-RPC response", () => {
  assert.throws(() => decodeMethodResponse("<html>500</html>"), SyntaxError);
  assert.throws(() => decodeMethodResponse("<methodResponse><params>"), SyntaxError);
});

Deno.test("encodeMethodCall() is read back exactly by Python's xmlrpc.client", async () => {
  const params = ["a&b <c> é 50%", 42, true, false, 2.5, ["x", 1], { k: "v" }];
  const xml = encodeMethodCall("supervisor.test", params);
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [
      "-c",
      "import sys, json, xmlrpc.client as x; p, m = x.loads(sys.stdin.read()); print(json.dumps([m, p]))",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = out.stdin.getWriter();
  await writer.write(new TextEncoder().encode(xml));
  await writer.close();
  const result = await out.output();
  assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
  assert.deepEqual(JSON.parse(new TextDecoder().decode(result.stdout)), [
    "supervisor.test",
    params,
  ]);
});

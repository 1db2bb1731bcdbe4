import assert from "node:assert/strict";
import { clientConfig } from "../../../mod/ca/client/_client_config.ts";

Deno.test("clientConfig() takes the address list from options, then EPICS_CA_ADDR_LIST", () => {
  const fromOptions = clientConfig({
    addrList: "127.255.255.255:5070 10.0.0.1",
    autoAddrList: false,
    serverPort: 6000,
    env: { EPICS_CA_ADDR_LIST: "192.168.1.1" },
  });
  assert.deepEqual(fromOptions.targets, [
    { host: "127.255.255.255", port: 5070 },
    { host: "10.0.0.1", port: 6000 },
  ]);
  const fromEnv = clientConfig({
    env: {
      EPICS_CA_ADDR_LIST: "127.0.0.1",
      EPICS_CA_SERVER_PORT: "5080",
      EPICS_CA_AUTO_ADDR_LIST: "no",
    },
  });
  assert.deepEqual(fromEnv.targets, [{ host: "127.0.0.1", port: 5080 }]);
});

Deno.test("clientConfig() adds interface broadcasts unless EPICS_CA_AUTO_ADDR_LIST is NO", () => {
  const env = { EPICS_CA_ADDR_LIST: "127.0.0.1" };
  const auto = clientConfig({ env });
  const none = clientConfig({ env: { ...env, EPICS_CA_AUTO_ADDR_LIST: "NO" } });
  assert.deepEqual(none.targets, [{ host: "127.0.0.1", port: 5064 }]);
  // As in libca, unset means YES: the list grows by the broadcast of every non-loopback interface.
  assert.deepEqual(auto.targets.slice(0, 1), none.targets);
  assert.deepEqual(clientConfig({ env, autoAddrList: true }).targets, auto.targets);
  for (const t of auto.targets.slice(1)) assert.match(t.host, /^\d+\.\d+\.\d+\.\d+$/);
});

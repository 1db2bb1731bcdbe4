import assert from "node:assert/strict";
import { MAX_IOC_NAME_LENGTH, validateIocName } from "../../../mod/config/mod.ts";

Deno.test("validateIocName() accepts names from the safe alphabet", () => {
  for (const name of ["a", "0", "gauge-26x_1", "thermo_218", "ioc.v2", "A-b_C.d"]) {
    assert.equal(validateIocName(name), undefined, name);
  }
});

Deno.test("validateIocName() rejects names that could break the conf, file names or PVs", () => {
  for (const name of ["a]", "a\nb", "a b", "50%", "a:b", "a/b", "gaüge", "-a", "_a", ".a", "a;b"]) {
    assert.match(
      validateIocName(name) ?? "",
      new RegExp(`^Cannot use IOC name ${RegExp.escape(JSON.stringify(name))}: only letters`),
      name,
    );
  }
  assert.equal(validateIocName(""), "Cannot use an empty IOC name");
});

Deno.test("validateIocName() rejects names reserved by iocsup", () => {
  for (const name of ["general", "supervisord", "manager", "iocsup-manager"]) {
    assert.equal(
      validateIocName(name),
      `Cannot use IOC name "${name}": the name is reserved by iocsup`,
    );
  }
  assert.equal(validateIocName("Manager"), undefined);
});

Deno.test("validateIocName() rejects names longer than the limit", () => {
  assert.equal(validateIocName("a".repeat(MAX_IOC_NAME_LENGTH)), undefined);
  assert.match(validateIocName("a".repeat(MAX_IOC_NAME_LENGTH + 1)) ?? "", /longer than 100/);
});

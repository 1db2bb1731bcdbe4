import assert from "node:assert/strict";
import { expandTemplate, shellQuote } from "../../../mod/config/mod.ts";

Deno.test("expandTemplate() replaces known placeholders everywhere", () => {
  assert.equal(
    expandTemplate("python {dir}/m.py -i {name} --name={name} -p {prefix}", {
      name: "ioc1",
      dir: "/srv",
      prefix: "P",
    }),
    "python /srv/m.py -i ioc1 --name=ioc1 -p P",
  );
});

Deno.test("expandTemplate() leaves unknown placeholders and other braces alone", () => {
  assert.equal(
    expandTemplate("awk '{print $1}' {other} {name}", { name: "x" }),
    "awk '{print $1}' {other} x",
  );
  assert.equal(expandTemplate("{toString}", {}), "{toString}");
});

Deno.test("shellQuote() keeps safe words bare and quotes the rest for shlex", () => {
  assert.equal(shellQuote("/usr/bin/deno"), "/usr/bin/deno");
  assert.equal(shellQuote("a b"), "'a b'");
  assert.equal(shellQuote(""), "''");
  assert.equal(shellQuote("it's"), `'it'"'"'s'`);
  assert.equal(shellQuote("$HOME;rm"), "'$HOME;rm'");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { readJsonLines } from "./json-lines.ts";

test("engine json lines: objects split anywhere, even inside a UTF-8 character", async () => {
  const bytes = new TextEncoder().encode('{"status":"Téléchargement"}\r\n\n{"n":2}\n{"n":3}');
  const cuts = [5, 13, 16, 30, 31, bytes.length]; // 13 and 16 fall inside the two "é"
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let from = 0;
      for (const to of cuts) {
        controller.enqueue(bytes.slice(from, to));
        from = to;
      }
      controller.close();
    },
  });
  const values: unknown[] = [];
  for await (const value of readJsonLines(stream, "pull x")) values.push(value);
  assert.deepEqual(values, [{ status: "Téléchargement" }, { n: 2 }, { n: 3 }]);
});

// Validate AsyncAPI documents with the official parser; print every diagnostic as JSON.
// Usage: node validate_asyncapi.mjs FILE... ; exits 0 once all files were parsed (errors or not).
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";

const severities = ["error", "warning", "information", "hint"];
const parser = new Parser();
const report = {};
for (const file of process.argv.slice(2)) {
  const text = await readFile(file, "utf8");
  const { document, diagnostics } = await parser.parse(text, { source: file });
  report[file] = {
    parsed: document !== undefined,
    diagnostics: diagnostics.map((d) => ({
      severity: severities[d.severity] ?? String(d.severity),
      code: String(d.code),
      message: d.message,
      path: d.path.join("/"),
    })),
  };
}
process.stdout.write(JSON.stringify(report));

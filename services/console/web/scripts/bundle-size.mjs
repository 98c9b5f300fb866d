// Prints the gzipped size of what the first page loads and fails over the budget (250 KB
// gzipped JS + CSS). The first page is index.html's entry (with the chunks and styles it
// imports) plus the page chunk a first visit lazily loads; the heaviest page is counted, so
// the figure holds whichever page is opened first.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET = 250 * 1024;
const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const html = readFileSync(join(dist, "index.html"), "utf8");
if (/<script(?![^>]*\bsrc=)[^>]*>/.test(html)) {
  console.error("bundle: index.html has an inline script, which the console's CSP refuses");
  process.exit(1);
}
if (/<style[\s>]|\sstyle="/.test(html)) {
  console.error("bundle: index.html has an inline style, which the console's CSP refuses");
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(join(dist, ".vite", "manifest.json"), "utf8"));

const sizes = new Map();
function size(file) {
  if (!sizes.has(file)) {
    const bytes = readFileSync(join(dist, file));
    sizes.set(file, { raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length });
  }
  return sizes.get(file);
}

/** The files a chunk loads at once: itself, its CSS, its static imports' (not dynamic ones). */
function closure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (chunk === undefined || seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const css of chunk.css ?? []) seen.add(css);
  for (const imported of chunk.imports ?? []) closure(imported, seen);
  return seen;
}

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry);
const entry = closure(entryKey);
const total = (files) => [...files].reduce((sum, f) => ({ raw: sum.raw + size(f).raw, gz: sum.gz + size(f).gz }), { raw: 0, gz: 0 });
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

let heaviest = { name: "(none)", files: new Set(), gz: 0, raw: 0 };
for (const key of manifest[entryKey].dynamicImports ?? []) {
  const files = new Set([...closure(key)].filter((f) => !entry.has(f)));
  const t = total(files);
  const name = manifest[key].name ?? key;
  console.log(`  page ${name}: +${kb(t.gz)} gzipped`);
  if (t.gz > heaviest.gz) heaviest = { name, files, ...t };
}
const base = total(entry);
for (const f of entry) console.log(`  ${f}  ${kb(size(f).raw)}, ${kb(size(f).gz)} gzipped`);
const first = { raw: base.raw + heaviest.raw, gz: base.gz + heaviest.gz };
const verdict = first.gz <= BUDGET ? "within" : "OVER";
console.log(
  `first page JS + CSS: ${kb(first.gz)} gzipped (${kb(first.raw)} raw): entry ${kb(base.gz)} + heaviest page ` +
    `${heaviest.name} ${kb(heaviest.gz)}; ${verdict} the ${BUDGET / 1024} KB budget`,
);
process.exit(first.gz <= BUDGET ? 0 : 1);

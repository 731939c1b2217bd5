// Gives the names the wasm and its glue use only between themselves one or two letters: the
// wasm's imports (the glue's `__wbg_getAttribute_c7b80d4010284561`-style functions) and the
// exports only the glue calls (`__wbindgen_malloc`…). Every visitor downloads both names, and
// their hash suffixes do not compress (about 0.5 KB gzip over the two files).
//
// What `widget.js` itself touches keeps its name: the glue's public functions (`swap`…,
// `__wbg_set_wasm`), the wasm's `__wbindgen_start`, and the import module
// `./ringtrace_widget_bg.js`. Fails closed: a name the glue does not spell exactly as expected
// stops the build.
// Usage: node scripts/shorten-names.mjs in.wasm out.wasm glue-in.js glue-out.js
import fs from "node:fs";

const [wasmIn, wasmOut, glueIn, glueOut] = process.argv.slice(2);
const MODULE = "./ringtrace_widget_bg.js";
const bytes = fs.readFileSync(wasmIn);
let glue = fs.readFileSync(glueIn, "utf8");

function leb(buf, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}
function encodeLeb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}
function encodeName(name) {
  const utf8 = Buffer.from(name, "utf8");
  return Buffer.concat([encodeLeb(utf8.length), utf8]);
}
function readName(buf, at) {
  const [len, start] = leb(buf, at);
  return [buf.subarray(start, start + len).toString("utf8"), start + len];
}
// The size of an import's description after its kind byte.
function importDescEnd(buf, kind, at) {
  if (kind === 0) return leb(buf, at)[1]; // function: type index
  if (kind === 1) { // table: reftype, limits
    at += 1;
    const flags = buf[at++];
    at = leb(buf, at)[1];
    return flags & 1 ? leb(buf, at)[1] : at;
  }
  if (kind === 2) { // memory: limits
    const flags = buf[at++];
    at = leb(buf, at)[1];
    return flags & 1 ? leb(buf, at)[1] : at;
  }
  if (kind === 3) return at + 2; // global: valtype, mutability
  throw new Error(`import kind ${kind} not expected`);
}

// Short names: a, b, …, z, aa, ab, …
const short = (i) => (i < 26 ? "" : short(Math.floor(i / 26) - 1)) + String.fromCharCode(97 + (i % 26));
const kept = new Set(["swap", "shows", "line_of", "number_for", "attributes", "__wbg_set_wasm", "__wbindgen_start"]);
let next = 0;
const fresh = () => {
  let name;
  do name = short(next++); while (kept.has(name));
  return name;
};

const sections = [];
let at = 8;
while (at < bytes.length) {
  const id = bytes[at];
  const [size, start] = leb(bytes, at + 1);
  sections.push({ id, body: bytes.subarray(start, start + size) });
  at = start + size;
}

const renamed = { imports: 0, exports: 0, dropped: 0 };
for (const section of sections) {
  if (section.id === 2) { // imports
    const body = section.body;
    let [count, p] = leb(body, 0);
    const parts = [encodeLeb(count)];
    for (let i = 0; i < count; i++) {
      let module, field;
      [module, p] = readName(body, p);
      [field, p] = readName(body, p);
      const kind = body[p];
      const end = importDescEnd(body, kind, p + 1);
      if (module === MODULE && kind === 0) {
        const name = fresh();
        const definition = `export function ${field}(`;
        if (glue.split(definition).length !== 2) throw new Error(`the glue does not define ${field} once`);
        glue = glue.replace(definition, `export function ${name}(`);
        field = name;
        renamed.imports++;
      }
      parts.push(encodeName(module), encodeName(field), body.subarray(p, end));
      p = end;
    }
    section.body = Buffer.concat(parts);
  } else if (section.id === 7) { // exports
    const body = section.body;
    let [count, p] = leb(body, 0);
    const parts = [encodeLeb(count)];
    for (let i = 0; i < count; i++) {
      let name;
      [name, p] = readName(body, p);
      const [, end] = leb(body, p + 1);
      const uses = new RegExp(`\\bwasm\\.${name.replace(/\$/g, "\\$")}\\b`, "g");
      if (!kept.has(name) && uses.test(glue)) {
        const shorter = fresh();
        glue = glue.replace(uses, `wasm.${shorter}`);
        name = shorter;
        renamed.exports++;
      }
      parts.push(encodeName(name), body.subarray(p, end));
      p = end;
    }
    section.body = Buffer.concat(parts);
  }
}
// What the optimizer left unused (the wasm no longer imports it) leaves the glue too.
glue = glue.replace(/^export function (__wb(?:g|indgen)_\w+)\([^)]*\) \{\n[\s\S]*?\n\}\n/gm, (whole, name) => {
  if (name === "__wbg_set_wasm") return whole;
  renamed.dropped++;
  return "";
});
if (/export function __wb(g|indgen)_(?!set_wasm\()/.test(glue)) throw new Error("the glue still exports a long name");

fs.writeFileSync(wasmOut, Buffer.concat([
  bytes.subarray(0, 8),
  ...sections.flatMap(({ id, body }) => [Buffer.from([id]), encodeLeb(body.length), body]),
]));
fs.writeFileSync(glueOut, glue);
console.log(`renamed ${renamed.imports} imports and ${renamed.exports} exports; ${renamed.dropped} unused glue functions dropped`);

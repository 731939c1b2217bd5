// Empties the function-table slots that hold wasm-bindgen's closure shims
// (`wasm_bindgen::convert::closures::…::invoke`) and js-sys's JSPI task wakers, so the
// optimizer can drop them and what only they use (with the wakers: `core::fmt`, 3 KB).
//
// Why they are there: wasm-bindgen describes every js-sys API to its CLI, and the description
// of each API that takes a closure takes the address of that closure type's shim; rustc puts
// every function whose address is taken into the table. The CLI then deletes the
// descriptions, but the table still holds ~40 shims (4.5 KB) for APIs the widget never calls,
// and no optimizer may drop what a table holds. The slots are dead: a shim is called only by
// the JS glue, through an export of its own (`wasm_bindgen__convert__closures_____invoke__…`),
// never through the table; exported shims stay (an export keeps its function). The wakers
// are pointed at by a vtable in data, for JSPI futures (`__wbindgen_jspi_*` exports), which a
// module without those exports never runs. Formatting impls (`<u32 as Display>::fmt`…) sit in
// the table for panic messages; only `core::fmt::write` calls them, and a module without it
// (the widget's panic handler never formats) never does.
//
// With them go texts nothing reads: the panic handler traps without reading its message, so
// the messages of core's and alloc's panics and the source paths of their locations are dead
// data the optimizer cannot see; so are, in a module that never formats, the integer
// formatting table, and with the closure shims emptied, the error they would throw. They are
// zeroed here (in place: every address stays), and wasm-opt's memory packing then drops the
// zeros (about 0.6 KB raw, 0.5 KB gzip).
// Usage: node scripts/prune-table.mjs in.wasm out.wasm
import fs from "node:fs";
import binaryen from "binaryen";

const [input, output] = process.argv.slice(2);
binaryen.setDebugInfo(true); // keep the name section for twiggy; wasm-opt drops it after
const module = binaryen.readBinary(fs.readFileSync(input));
// What rustc emits for wasm32-unknown-unknown (the same list as wasm-opt's flags in
// build-widget.sh); all features would let binaryen write encodings browsers reject.
const F = binaryen.Features;
module.setFeatures(F.MVP | F.BulkMemory | F.BulkMemoryOpt | F.SignExt | F.MutableGlobals |
  F.NontrappingFPToInt | F.ReferenceTypes | F.CallIndirectOverlong | F.Multivalue);
const exports = Array.from({ length: module.getNumExports() }, (_, i) =>
  binaryen.getExportInfo(module.getExportByIndex(i)).name);
const jspi = exports.some((name) => name.includes("jspi"));
const functions = Array.from({ length: module.getNumFunctions() }, (_, i) =>
  binaryen.getFunctionInfo(module.getFunctionByIndex(i)).name);
// Fails closed: any function that formats (under any name LTO left) keeps the impls.
const formats = functions.some((name) => /fmt::write|write_fmt|format_inner|as core(\[[0-9a-f]+\])?::fmt::Write>/.test(name));
const dead = [/^wasm_bindgen::convert::closures::.*::invoke::/];
if (!jspi) dead.push(/^js_sys::futures::jspi::/);
if (!formats) dead.push(/ as core(\[[0-9a-f]+\])?::fmt::[A-Za-z]+>::fmt$/);
const empty = "__ringtrace_pruned";
module.addFunction(empty, binaryen.none, binaryen.none, [], module.unreachable());
let kept = 0, emptied = 0;
for (let i = module.getNumElementSegments() - 1; i >= 0; i--) {
  const segment = module.getElementSegmentByIndex(i);
  if (binaryen._BinaryenElementSegmentIsPassive(segment)) continue;
  const info = binaryen.getElementSegmentInfo(segment);
  const names = info.data.map((name) =>
    dead.some((pattern) => pattern.test(name)) ? (emptied++, empty) : (kept++, name));
  module.removeElementSegment(info.name);
  module.addActiveElementSegment(info.table, info.name, names, info.offset);
}
if (!module.validate()) throw new Error("the pruned module does not validate");
const pruned = Buffer.from(module.emitBinary());

// The data section's range in a module (id 11), by walking the sections.
function dataSection(buf) {
  let at = 8;
  while (at < buf.length) {
    const id = buf[at];
    let size = 0, shift = 0, byte, p = at + 1;
    do {
      byte = buf[p++];
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80);
    if (id === 11) return [p, p + size];
    at = p + size;
  }
  return [0, 0];
}
const deadTexts = [
  /\/rustc\/[0-9a-f]{40}\/library\/[\w/.-]+\.rs/g, // core's and alloc's source paths
  /\/[\w/.-]*\/\.cargo\/registry\/src\/[\w/.-]+\.rs/g, // dependencies' source paths
  /memory allocation of | bytes failed/g,
  /Tried to shrink to a larger capacity|capacity overflow/g,
  /RefCell already (mutably )?borrowed/g,
  /copy_from_slice: source slice length \(|\) does not match destination slice length \(/g,
];
if (emptied) deadTexts.push(/closure invoked recursively or after being dropped/g);
if (!formats) { // integer formatting's digit pairs, "000102…99"
  deadTexts.push(new RegExp(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0")).join(""), "g"));
}
const [start, end] = dataSection(pruned);
const data = pruned.subarray(start, end).toString("latin1");
let zeroed = 0;
for (const pattern of deadTexts) {
  for (const match of data.matchAll(pattern)) {
    pruned.fill(0, start + match.index, start + match.index + match[0].length);
    zeroed += match[0].length;
  }
}
fs.writeFileSync(output, pruned);
console.log(`function table: ${kept} slots kept, ${emptied} emptied; ${zeroed} bytes of panic texts zeroed`);

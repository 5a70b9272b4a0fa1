// Copies the GraphiQL page's npm packages (installed by `npm ci` from package-lock.json)
// into the Python package, so the gateway serves them itself: app/graphql/static/graphiql/.
//
// Nothing is bundled: each package already ships a browser build. The CSS is rewritten so
// that the page needs no `data:` URL (the page's Content-Security-Policy allows only 'self'):
// every embedded font and image becomes a file of its own under files/, named by its hash.
// Source-map comments are dropped (the maps are not shipped). The output is git-ignored;
// `make assets` runs this script, and BUILT (written last) says the copy is whole.
//
// Usage: node build.mjs [OUTPUT_DIR]   (run from web/, after `npm ci`)
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, "..", "app", "graphql", "static", "graphiql"));
const modules = join(here, "node_modules");

// Output name <- the file in node_modules. The names are the ones app/graphql/ide.py serves.
const FILES = {
  "react.production.min.js": "react/umd/react.production.min.js",
  "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
  "graphiql.min.js": "graphiql/graphiql.min.js",
  "graphiql.min.css": "graphiql/graphiql.min.css",
  "plugin-explorer.umd.js": "@graphiql/plugin-explorer/dist/index.umd.js",
  "plugin-explorer.css": "@graphiql/plugin-explorer/dist/style.css",
};
const EXTENSIONS = {
  "font/woff2": "woff2",
  "font/woff": "woff",
  "image/png": "png",
  "image/svg+xml": "svg",
};

const PACKAGES = ["react", "react-dom", "graphiql", "@graphiql/plugin-explorer"];

function manifest(pkg) {
  return JSON.parse(readFileSync(join(modules, pkg, "package.json"), "utf8"));
}

// The packages' own license texts, shipped beside the copies (LICENSES.txt).
function licenses() {
  return PACKAGES.map((pkg) => {
    const { version, license } = manifest(pkg);
    const file = join(modules, pkg, "LICENSE");
    const text = existsSync(file) ? readFileSync(file, "utf8").trim() : `${license} license`;
    return `${pkg} ${version} (${license})\n\n${text}\n`;
  }).join("\n\n");
}

function withoutSourceMap(text) {
  return text.replace(/\n?\/[*/][#@] sourceMappingURL=[^\n]*?(\*\/)?\s*$/, "\n");
}

// url(data:MIME;base64,DATA) -> url(files/HASH.EXT), each data written once.
function extractDataUrls(css, written) {
  return css.replace(
    /url\((["']?)data:([a-z0-9.+/-]+);base64,([A-Za-z0-9+/=]+)\1\)/gi,
    (_match, _quote, mime, data) => {
      const extension = EXTENSIONS[mime.toLowerCase()];
      if (!extension) throw new Error(`no file type for an embedded ${mime}`);
      const bytes = Buffer.from(data, "base64");
      const name = `${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}.${extension}`;
      if (!written.has(name)) {
        writeFileSync(join(out, "files", name), bytes);
        written.add(name);
      }
      return `url(files/${name})`;
    },
  );
}

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "files"), { recursive: true });
const written = new Set();
for (const [name, source] of Object.entries(FILES)) {
  let text = withoutSourceMap(readFileSync(join(modules, source), "utf8"));
  if (name.endsWith(".css")) {
    text = extractDataUrls(text, written);
    if (/url\(\s*["']?(data:|https?:|\/\/)/i.test(text)) {
      throw new Error(`${name} still refers to something other than its own files`);
    }
  }
  writeFileSync(join(out, name), text);
}
writeFileSync(join(out, "LICENSES.txt"), licenses());
const versions = Object.fromEntries(PACKAGES.map((p) => [p, manifest(p).version]));
writeFileSync(join(out, "BUILT"), JSON.stringify({ versions, files: Object.keys(FILES) }, null, 2) + "\n");
console.log(`GraphiQL assets (${Object.entries(versions).map(([p, v]) => `${p} ${v}`).join(", ")}, ` +
  `${written.size} embedded files) -> ${out}`);

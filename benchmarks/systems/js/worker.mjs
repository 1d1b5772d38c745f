// PageGold's Node side of the JavaScript extractors: one long-lived process per pool worker.
//
// Protocol (JSON lines): each stdin line is a request
//   {"id": 1, "extractor": "readability", "html": "...", "url": "https://...", "format": "text" | "markdown"}
// and gets exactly one stdout line back, in order:
//   {"id": 1, "ok": true, "kind": "text" | "html" | "markdown", "content": "...", "cpu_us": 1234}   or
//   {"id": 1, "ok": false, "error": "...", "cpu_us": 1234}
// cpu_us: this process's CPU (user + system) spent on the request, counted as the system's CPU.
// "kind" html means the library returns only HTML: the Python side turns it into text.
// stdout carries nothing else (console output goes to stderr), so a library that logs cannot
// break the protocol. A hang or crash is handled by the Python side (the pool's per-page timeout
// kills the worker, and this process dies with it).
//
// A request may name a "module" (an absolute path) exporting more extractors,
// `extractors = {name: async (html, url, format) => ({kind, content})}`: the tests' fault extractors.
import readline from "node:readline";
import { pathToFileURL } from "node:url";

for (const level of ["log", "info", "warn", "debug", "error", "trace"]) {
  console[level] = (...args) => process.stderr.write(args.map(String).join(" ") + "\n");
}

let turndown;
async function toMarkdown(html) {
  if (!turndown) {
    const { default: TurndownService } = await import("turndown");
    turndown = new TurndownService({ headingStyle: "atx", codeBlockStyle: "fenced", bulletListMarker: "-" });
  }
  return turndown.turndown(html || "");
}

const EXTRACTORS = {
  // AEB's call: new Readability(new JSDOM(html, {url}).window.document).parse().textContent
  async readability(html, url, format) {
    const { JSDOM, VirtualConsole } = await import("jsdom");
    const { Readability } = await import("@mozilla/readability");
    const dom = new JSDOM(html, { url, virtualConsole: new VirtualConsole() });
    try {
      const article = new Readability(dom.window.document).parse();
      if (!article) return { kind: "text", content: "" };
      if (format === "markdown") return { kind: "markdown", content: await toMarkdown(article.content) };
      return { kind: "text", content: article.textContent || "" };
    } finally {
      dom.window.close();
    }
  },
  // defuddle's recommended Node setup: a linkedom document; its own Markdown option (turndown)
  async defuddle(html, url, format) {
    const { parseHTML } = await import("linkedom");
    const { Defuddle } = await import("defuddle/node");
    const { document } = parseHTML(html);
    const result = await Defuddle(document, url, { markdown: format === "markdown" });
    return { kind: format === "markdown" ? "markdown" : "html", content: result.content || "" };
  },
  // Postlight Parser (cheerio inside): the page's HTML given, no fetching of next pages
  async postlight(html, url, format) {
    const { default: Parser } = await import("@postlight/parser");
    const contentType = format === "markdown" ? "markdown" : "html"; // its "text" type joins blocks without spaces
    const result = await Parser.parse(url, { html, contentType, fetchAllPages: false });
    if (!result || result.error) throw new Error(`postlight: ${result ? result.message || "parse failed" : "no result"}`);
    return { kind: contentType, content: result.content || "" };
  },
  // @extractus/article-extractor (linkedom + Readability inside): HTML content
  async "article-extractor"(html, url, format) {
    const { extractFromHtml } = await import("@extractus/article-extractor");
    const article = await extractFromHtml(html, url);
    const content = article ? article.content || "" : "";
    if (format === "markdown") return { kind: "markdown", content: await toMarkdown(content) };
    return { kind: "html", content };
  },
};

async function handle(line) {
  const cpu = process.cpuUsage();
  const reply = await answer(line);
  const used = process.cpuUsage(cpu);
  return { ...reply, cpu_us: used.user + used.system };
}

async function answer(line) {
  let id = null;
  try {
    const req = JSON.parse(line);
    id = req.id;
    if (req.module) Object.assign(EXTRACTORS, (await import(pathToFileURL(req.module).href)).extractors);
    const extractor = EXTRACTORS[req.extractor];
    if (!extractor) throw new Error(`unknown extractor ${JSON.stringify(req.extractor)}`);
    const url = req.url || "http://localhost/";
    const { kind, content } = await extractor(req.html || "", url, req.format || "text");
    return { id, ok: true, kind, content: typeof content === "string" ? content : "" };
  } catch (err) {
    return { id, ok: false, error: String((err && err.stack) || err).split("\n").slice(0, 3).join(" | ").slice(0, 2000) };
  }
}

// one request at a time, in order: the Python side waits for each reply before the next request
const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  process.stdout.write(JSON.stringify(await handle(line)) + "\n");
}
process.exit(0);

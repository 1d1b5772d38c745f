// Test-only JS extractor that fails for real inside the Node worker (tests/js_fault_systems.py):
// a page whose HTML contains JS-HANG spins forever, JS-CRASH kills the Node process, JS-THROW throws;
// any other page returns "node <pid>", so tests see which Node process served it.
export const extractors = {
  async fault(html) {
    if (html.includes("JS-HANG")) for (;;) {}
    if (html.includes("JS-CRASH")) {
      console.error("fault extractor: exiting with 7");
      process.exit(7);
    }
    if (html.includes("JS-THROW")) throw new Error("fault extractor refuses this page");
    return { kind: "text", content: `node ${process.pid}` };
  },
};

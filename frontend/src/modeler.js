// The process owners' modeler (issue 4): bpmn-js with its properties panel and the product's
// own entries, built by `npm run build` into frontend/dist/modeler.js and served by the product.
import BpmnModeler from "bpmn-js/lib/Modeler";
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from "bpmn-js-properties-panel";
import spiffworkflow from "./spiffworkflow.json";
import ShouhouPropertiesProvider from "./shouhou-properties.jsx";
import { translateModule } from "./translate.js";

const shouhouModule = { __init__: ["shouhouPropertiesProvider"], shouhouPropertiesProvider: ["type", ShouhouPropertiesProvider] };

function show(box, items, kind) {
  box.hidden = items.length === 0;
  box.className = `flash ${kind}`;
  box.replaceChildren(...items.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
}

async function start() {
  const root = document.getElementById("modeler");
  if (!root) return;
  const cfg = window.SHOUHOU_MODELER;
  const modeler = new BpmnModeler({
    container: "#modeler-canvas",
    propertiesPanel: { parent: "#modeler-properties" },
    additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, shouhouModule, translateModule(cfg.locale)],
    moddleExtensions: { spiffworkflow },
  });
  window.shouhouModeler = modeler; // for tests and the console
  const response = await fetch(cfg.diagramUrl, { credentials: "same-origin" });
  const xml = await response.text();
  try {
    const { warnings } = await modeler.importXML(xml);
    modeler.get("canvas").zoom("fit-viewport");
    root.dataset.loaded = "true";
    if (warnings.length) show(document.getElementById("modeler-messages"), warnings.map((w) => w.message), "warning");
  } catch (err) {
    root.dataset.loaded = "error";
    show(document.getElementById("modeler-messages"), [String(err.message || err)], "error");
    return;
  }
  modeler.on("commandStack.changed", () => { root.dataset.dirty = "true"; });
  document.getElementById("modeler-deploy").addEventListener("click", async () => {
    const messages = document.getElementById("modeler-messages");
    const { xml: edited } = await modeler.saveXML({ format: true });
    const forms = window.shouhouEditedForms ? window.shouhouEditedForms() : {};
    const result = await fetch(cfg.deployUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrfToken },
      body: JSON.stringify({ xml: edited, forms }),
    });
    const body = await result.json();
    markProblems(modeler, []);
    if (result.ok) {
      delete root.dataset.dirty;
      root.dataset.deployed = String(body.version);
      show(messages, [body.message], "success");
    } else {
      const problems = body.problems || [];
      show(messages, problems.length ? problems.map((p) => `${p.title ? p.title + ": " : ""}${p.element_id ? p.element_id + ": " : ""}${p.message}`) : [body.error ? body.error.message : String(result.status)], "error");
      markProblems(modeler, problems);
      root.dataset.deployed = "failed";
    }
  });
  document.getElementById("modeler-download").addEventListener("click", async () => {
    const { xml: edited } = await modeler.saveXML({ format: true });
    const link = Object.assign(document.createElement("a"), {
      href: URL.createObjectURL(new Blob([edited], { type: "application/xml" })),
      download: `${cfg.processId || "diagram"}.bpmn`,
    });
    link.click();
  });
  window.addEventListener("beforeunload", (event) => {
    if (root.dataset.dirty) event.preventDefault();
  });
}

// Each problem shown on its element: a red outline and a badge whose tooltip says what is wrong.
let marked = [];
function markProblems(modeler, problems) {
  const overlays = modeler.get("overlays");
  const canvas = modeler.get("canvas");
  const registry = modeler.get("elementRegistry");
  overlays.remove({ type: "shouhou-problem" });
  marked.filter((id) => registry.get(id)).forEach((id) => canvas.removeMarker(id, "shouhou-problem"));
  marked = [];
  const byElement = new Map();
  problems.filter((p) => p.element_id && registry.get(p.element_id)).forEach((p) => {
    byElement.set(p.element_id, [...(byElement.get(p.element_id) || []), `${p.title || p.code}: ${p.message}`]);
  });
  byElement.forEach((texts, id) => {
    canvas.addMarker(id, "shouhou-problem");
    marked.push(id);
    const badge = document.createElement("span");
    badge.className = "shouhou-problem-badge";
    badge.textContent = String(texts.length);
    badge.title = texts.join("\n");
    overlays.add(id, "shouhou-problem", { position: { top: -10, right: 10 }, html: badge });
  });
}

start();

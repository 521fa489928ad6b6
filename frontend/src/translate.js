// The modeler in the reader's language: bpmn-js, diagram-js and the properties panel call the
// `translate` service with their English texts; this one looks them up in the Chinese table
// (any text not in it stays English) and fills in the `{placeholders}`.
import zh from "./translations-zh.json";

function fill(template, replacements) {
  return template.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
}

export function translateModule(locale) {
  const table = locale === "zh_CN" ? zh : {};
  return { translate: ["value", (template, replacements) => fill(table[template] || template, replacements)] };
}

// The product's own entries in the properties panel: a user task's form (from forms/), due
// interval, English title and assignee field; a lane's group; a gateway flow's condition.
// They read and write what the engine reads: spiffworkflow:property elements, the lane name,
// bpmn:conditionExpression.
import { SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited } from "@bpmn-io/properties-panel";
import { useService } from "bpmn-js-properties-panel";
import { getBusinessObject, is } from "bpmn-js/lib/util/ModelUtil";

const ISO_DURATION = /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

function config() {
  return window.SHOUHOU_MODELER || { forms: [], groups: [], labels: {} };
}

// A form by its title (the name it is stored under after it, for the owner who knows the file).
function formTitle(name) {
  const title = (config().formTitles || {})[name];
  return title ? `${title} · ${name}` : name;
}

function label(key, fallback) {
  return config().labels[key] || fallback;
}

export function getProperty(element, name) {
  const bo = getBusinessObject(element);
  const ext = bo.get("extensionElements");
  const props = ext && ext.get("values").find((v) => is(v, "spiffworkflow:Properties"));
  const prop = props && props.get("properties").find((p) => p.get("name") === name);
  return prop ? prop.get("value") : undefined;
}

function setProperty(element, name, value, services) {
  const { bpmnFactory, commandStack } = services;
  const bo = getBusinessObject(element);
  const commands = [];
  let ext = bo.get("extensionElements");
  if (!ext) {
    ext = bpmnFactory.create("bpmn:ExtensionElements", { values: [] });
    ext.$parent = bo;
    commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: bo, properties: { extensionElements: ext } } });
  }
  let props = ext.get("values").find((v) => is(v, "spiffworkflow:Properties"));
  if (!props) {
    props = bpmnFactory.create("spiffworkflow:Properties", { properties: [] });
    props.$parent = ext;
    commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: ext, properties: { values: [...ext.get("values"), props] } } });
  }
  const existing = props.get("properties").find((p) => p.get("name") === name);
  const rest = props.get("properties").filter((p) => p !== existing);
  let list = rest;
  if (value) {
    const prop = bpmnFactory.create("spiffworkflow:Property", { name, value });
    prop.$parent = props;
    list = [...rest, prop];
  }
  commands.push({ cmd: "element.updateModdleProperties", context: { element, moddleElement: props, properties: { properties: list } } });
  commandStack.execute("properties-panel.multi-command-executor", commands);
}

function useServices() {
  return { bpmnFactory: useService("bpmnFactory"), commandStack: useService("commandStack") };
}

function PropertyText(props) {
  const { element, id, name, title, validate } = props;
  const services = useServices();
  const debounce = useService("debounceInput");
  return TextFieldEntry({
    element,
    id,
    label: title,
    debounce,
    validate,
    getValue: () => getProperty(element, name) || "",
    setValue: (value) => setProperty(element, name, (value || "").trim(), services),
  });
}

function FormSelect(props) {
  const { element, id } = props;
  const services = useServices();
  return SelectEntry({
    element,
    id,
    label: label("form", "Form"),
    getValue: () => (getProperty(element, "formJsonSchemaFilename") || "").replace(/\.schema\.json$/, ""),
    setValue: (value) => setProperty(element, "formJsonSchemaFilename", value ? `${value}.schema.json` : "", services),
    getOptions: () => {
      const edited = window.shouhouEditedForms ? Object.keys(window.shouhouEditedForms()) : [];
      const names = [...new Set([...config().forms, ...edited])].sort();
      return [{ value: "", label: label("no_form", "(no form: a plain complete button)") }].concat(
        names.map((name) => ({ value: name, label: formTitle(name) }))
      );
    },
  });
}

function LaneGroupSelect(props) {
  const { element, id } = props;
  const modeling = useService("modeling");
  return SelectEntry({
    element,
    id,
    label: label("group", "Candidate group"),
    getValue: () => getBusinessObject(element).get("name") || "",
    setValue: (value) => modeling.updateProperties(element, { name: value }),
    getOptions: () => [{ value: "", label: "—" }].concat(config().groups.map((g) => ({ value: g.id, label: `${g.name} (${g.id})` }))),
  });
}

function ConditionText(props) {
  const { element, id } = props;
  const modeling = useService("modeling");
  const bpmnFactory = useService("bpmnFactory");
  const debounce = useService("debounceInput");
  return TextFieldEntry({
    element,
    id,
    label: label("condition", "Condition (Python expression on the process data)"),
    debounce,
    getValue: () => {
      const expression = getBusinessObject(element).get("conditionExpression");
      return expression ? expression.get("body") || "" : "";
    },
    setValue: (value) => {
      const body = (value || "").trim();
      const expression = body ? bpmnFactory.create("bpmn:FormalExpression", { body }) : undefined;
      modeling.updateProperties(element, { conditionExpression: expression });
    },
  });
}

function validDuration(value) {
  return !value || ISO_DURATION.test(value) ? null : label("bad_duration", "An ISO 8601 duration such as PT1H or P3D");
}

function fromGateway(element) {
  const source = element.source;
  return is(element, "bpmn:SequenceFlow") && source && (is(source, "bpmn:ExclusiveGateway") || is(source, "bpmn:InclusiveGateway"));
}

export default function ShouhouPropertiesProvider(propertiesPanel) {
  this.getGroups = (element) => (groups) => {
    const entries = [];
    if (is(element, "bpmn:UserTask")) {
      entries.push(
        { id: "shouhou-form", element, component: FormSelect, isEdited: isSelectEntryEdited },
        { id: "shouhou-dueIn", element, component: (p) => PropertyText({ ...p, name: "dueIn", title: label("due", "Due in (ISO 8601 duration)"), validate: validDuration }), isEdited: isTextFieldEntryEdited },
        { id: "shouhou-title-en", element, component: (p) => PropertyText({ ...p, name: "title_en", title: label("title_en", "Title in English") }), isEdited: isTextFieldEntryEdited },
        { id: "shouhou-assignee", element, component: (p) => PropertyText({ ...p, name: "assigneeFrom", title: label("assignee", "Assignee from data field") }), isEdited: isTextFieldEntryEdited },
      );
    }
    if (is(element, "bpmn:Lane")) {
      entries.push({ id: "shouhou-lane-group", element, component: LaneGroupSelect, isEdited: isSelectEntryEdited });
    }
    if (fromGateway(element)) {
      entries.push({ id: "shouhou-condition", element, component: ConditionText, isEdited: isTextFieldEntryEdited });
    }
    if (entries.length) {
      groups.splice(1, 0, { id: "shouhou", label: label("group_title", "Shouhou"), entries });
    }
    return groups;
  };
  propertiesPanel.registerProvider(400, this);
}
ShouhouPropertiesProvider.$inject = ["propertiesPanel"];

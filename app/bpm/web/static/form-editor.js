// The form editor beside the modeler: edit a form's JSON Schema, see it rendered as a task page
// renders it (the server draws the preview with the same code), keep it to deploy with the diagram.
(function () {
  var cfg = window.SHOUHOU_MODELER;
  var schemas = window.SHOUHOU_FORMS || {};
  var pick = document.getElementById("form-editor-pick");
  var nameInput = document.getElementById("form-editor-name");
  var text = document.getElementById("form-editor-schema");
  var keep = document.getElementById("form-editor-keep");
  var kept = document.getElementById("form-editor-kept");
  var preview = document.getElementById("form-editor-preview");
  var problems = document.getElementById("form-editor-problems");
  var edited = {};
  var timer = null;
  if (!text) { return; }
  preview.addEventListener("submit", function (event) { event.preventDefault(); }); // a preview never posts

  function current() { return (nameInput.value || pick.value || "").trim(); }

  function showKept() {
    var names = Object.keys(edited);
    kept.textContent = names.length ? kept.getAttribute("data-template").replace("{names}", names.join(", ")) : "";
  }

  function showProblems(items) {
    problems.hidden = items.length === 0;
    problems.replaceChildren.apply(problems, items.map(function (item) {
      var li = document.createElement("li");
      li.textContent = item;
      return li;
    }));
  }

  function render() {
    var schema;
    try {
      schema = JSON.parse(text.value);
    } catch (err) {
      showProblems([String(err.message)]);
      return;
    }
    fetch(cfg.previewUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": cfg.csrfToken },
      body: JSON.stringify({ name: current() || "preview", schema: schema })
    }).then(function (response) { return response.json(); }).then(function (body) {
      showProblems(body.problems || []);
      if (body.html) { preview.innerHTML = body.html; }
      if (keep.checked && current() && !(body.problems || []).length) {
        edited[current()] = schema;
        showKept();
      }
    });
  }

  pick.addEventListener("change", function () {
    nameInput.value = "";
    var schema = edited[pick.value] || schemas[pick.value];
    text.value = schema ? JSON.stringify(schema, null, 2) : "";
    keep.checked = Boolean(edited[pick.value]);
    if (text.value) { render(); }
  });
  text.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(render, 300);
  });
  keep.addEventListener("change", function () {
    if (!keep.checked) { delete edited[current()]; showKept(); } else { render(); }
  });
  window.shouhouEditedForms = function () { return edited; };
}());

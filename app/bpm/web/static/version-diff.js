// Two versions of a diagram side by side; what was added, removed or changed is marked.
(function () {
  if (!window.BpmnJS) { return; }
  document.querySelectorAll(".diff-diagram").forEach(function (holder) {
    var marks = JSON.parse(holder.getAttribute("data-marks"));
    var viewer = new window.BpmnJS({ container: holder, height: 420 });
    fetch(holder.getAttribute("data-xml-url"), { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        canvas.zoom("fit-viewport");
        Object.keys(marks).forEach(function (id) {
          if (registry.get(id)) { canvas.addMarker(id, "shouhou-" + marks[id]); }
        });
        holder.setAttribute("data-rendered", "true");
      })
      .catch(function () { holder.setAttribute("data-rendered", "error"); });
  });
})();

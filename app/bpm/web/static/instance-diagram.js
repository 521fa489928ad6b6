// Draw the instance's diagram (bpmn-js, served by the product) and mark what happened:
// done user tasks (with how long they took), open tasks and waiting timers. A lane named by a
// group's id is shown with the group's name in the reader's language.
(function () {
  var holder = document.getElementById("diagram");
  if (!holder || !window.BpmnJS) { return; }
  var marks = JSON.parse(holder.getAttribute("data-marks"));
  var viewer = new window.BpmnJS({ container: holder, height: 380 });

  function duration(seconds) {
    if (seconds < 3600) { return Math.max(1, Math.round(seconds / 60)) + " min"; }
    if (seconds < 86400) { return (seconds / 3600).toFixed(1) + " h"; }
    return (seconds / 86400).toFixed(1) + " d";
  }

  function laneNames(xml) {
    var names = JSON.parse(holder.getAttribute("data-group-names") || "{}");
    var doc = new DOMParser().parseFromString(xml, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) { return xml; }
    var lanes = doc.getElementsByTagNameNS("http://www.omg.org/spec/BPMN/20100524/MODEL", "lane");
    for (var i = 0; i < lanes.length; i += 1) {
      var name = lanes[i].getAttribute("name");
      if (name && Object.prototype.hasOwnProperty.call(names, name)) { lanes[i].setAttribute("name", names[name]); }
    }
    return new XMLSerializer().serializeToString(doc);
  }

  fetch(holder.getAttribute("data-xml-url"), { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (xml) { return viewer.importXML(laneNames(xml)); })
    .then(function () {
      var canvas = viewer.get("canvas");
      var overlays = viewer.get("overlays");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport");
      Object.keys(marks.done).forEach(function (id) {
        if (!registry.get(id)) { return; }
        canvas.addMarker(id, "shouhou-done");
        var took = marks.done[id].map(duration).join(", ");
        var badge = document.createElement("div");
        badge.className = "shouhou-duration";
        badge.textContent = holder.getAttribute("data-label-done") + " " + took;
        overlays.add(id, { position: { bottom: -4, left: 0 }, html: badge });
      });
      marks.active.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "shouhou-active"); } });
      marks.waiting.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "shouhou-waiting"); } });
      holder.setAttribute("data-rendered", "true");
    })
    .catch(function () {
      holder.textContent = holder.getAttribute("data-error");
      holder.setAttribute("data-rendered", "error");
    });
})();

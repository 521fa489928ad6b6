// The modeler page's settings and forms arrive as JSON data blocks (the Content-Security-Policy
// runs no inline script); the editor and the modeler read them from these globals.
(function () {
  function read(id, fallback) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : fallback;
  }
  window.SHOUHOU_MODELER = read("shouhou-modeler-settings", null);
  window.SHOUHOU_FORMS = read("shouhou-modeler-forms", {});
})();

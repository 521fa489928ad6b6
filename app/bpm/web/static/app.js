// Show fields only when their condition holds (ui:showIf in the form's UI hints).
document.querySelectorAll("[data-show-if]").forEach(function (field) {
  var condition = JSON.parse(field.getAttribute("data-show-if"));
  var form = field.closest("form");
  function update() {
    var visible = Object.keys(condition).every(function (name) {
      var input = form.querySelector('[name="' + name + '"]:checked') || form.querySelector('select[name="' + name + '"]');
      return input && input.value === String(condition[name]);
    });
    field.hidden = !visible;
  }
  form.addEventListener("change", update);
  update();
});

// Drawn signatures (someone signs on the screen of the person filling the form): the canvas is kept as a PNG
// data URL in a hidden field; a re-shown form (after an error) draws the kept image again. The canvas draws
// at the screen's own resolution (its displayed size times devicePixelRatio), so a stroke lands under the
// finger and stays sharp; the server takes up to 2000×1000 pixels, which bounds the ratio on wide pads.
var SIGNATURE_MAX = [2000, 1000];
document.querySelectorAll("[data-signature-for]").forEach(function (pad) {
  var canvas = pad.querySelector("canvas");
  var input = document.getElementById(pad.getAttribute("data-signature-for"));
  var ctx = canvas.getContext("2d");
  var drawing = false;
  var scale = 1;
  function pen() {
    ctx.lineWidth = 2.5 * scale;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
  }
  function fit(keep) {
    var width = canvas.clientWidth, height = canvas.clientHeight;
    if (!width || !height) { return; }
    scale = Math.min(window.devicePixelRatio || 1, SIGNATURE_MAX[0] / width, SIGNATURE_MAX[1] / height);
    var w = Math.round(width * scale), h = Math.round(height * scale);
    if (w === canvas.width && h === canvas.height) { return; }
    var before = null;
    if (keep && input.value) {
      before = document.createElement("canvas");
      before.width = canvas.width;
      before.height = canvas.height;
      before.getContext("2d").drawImage(canvas, 0, 0);
    }
    canvas.width = w;
    canvas.height = h;
    pen();
    if (before) {
      ctx.drawImage(before, 0, 0, w, h);
      input.value = canvas.toDataURL("image/png");
    }
  }
  fit(false);
  pen();
  if (input.value) {
    var image = new Image();
    image.onload = function () { ctx.drawImage(image, 0, 0, canvas.width, canvas.height); };
    image.src = input.value;
  }
  window.addEventListener("resize", function () { if (!drawing) { fit(true); } });
  function point(event) {
    var box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  }
  canvas.addEventListener("pointerdown", function (event) {
    if (!input.value) { fit(false); }  // shown only now (a field that appears on a condition)
    drawing = true;
    canvas.setPointerCapture(event.pointerId);
    var p = point(event);
    ctx.beginPath();
    ctx.moveTo(p[0], p[1]);
  });
  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    var p = point(event);
    ctx.lineTo(p[0], p[1]);
    ctx.stroke();
  });
  function finish() {
    if (!drawing) { return; }
    drawing = false;
    input.value = canvas.toDataURL("image/png");
  }
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  canvas.addEventListener("pointerleave", finish);
  pad.querySelector("[data-signature-clear]").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    input.value = "";
  });
});

// The menu button of narrow screens opens and closes the navigation (the bar's class "menu-open").
var menuButton = document.getElementById("menu-button");
if (menuButton) {
  var topbar = menuButton.closest(".topbar");
  var setMenu = function (open) {
    topbar.classList.toggle("menu-open", open);
    menuButton.setAttribute("aria-expanded", open ? "true" : "false");
  };
  menuButton.addEventListener("click", function () { setMenu(!topbar.classList.contains("menu-open")); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && topbar.classList.contains("menu-open")) {
      setMenu(false);
      menuButton.focus();
    }
  });
}

// Print buttons (data-print): the browser's print dialog; app.css's @media print keeps the page only.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

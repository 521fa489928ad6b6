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
// data URL in a hidden field; a re-shown form (after an error) draws the kept image again.
document.querySelectorAll("[data-signature-for]").forEach(function (pad) {
  var canvas = pad.querySelector("canvas");
  var input = document.getElementById(pad.getAttribute("data-signature-for"));
  var ctx = canvas.getContext("2d");
  var drawing = false;
  ctx.lineWidth = 2.5;
  ctx.lineCap = "round";
  if (input.value) {
    var image = new Image();
    image.onload = function () { ctx.drawImage(image, 0, 0); };
    image.src = input.value;
  }
  function point(event) {
    var box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
  }
  canvas.addEventListener("pointerdown", function (event) {
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
  canvas.addEventListener("pointerleave", finish);
  pad.querySelector("[data-signature-clear]").addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    input.value = "";
  });
});

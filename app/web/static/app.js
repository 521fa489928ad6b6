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

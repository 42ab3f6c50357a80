(function () {
  "use strict";
  // Filters only toggle classes: no data from the run is read or written by script.
  var body = document.body;
  var buttons = document.querySelectorAll(".filters button[data-filter]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function () {
      var wanted = button.getAttribute("data-filter");
      Array.prototype.slice.call(body.classList).forEach(function (name) {
        if (name.indexOf("filter-") === 0) {
          body.classList.remove(name);
        }
      });
      body.classList.add("filter-" + wanted);
      Array.prototype.forEach.call(buttons, function (other) {
        other.classList.toggle("active", other === button);
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
    });
  });
})();

(function () {
  "use strict";
  // Filters only toggle classes: no data from the run is read or written by script.
  var body = document.body;
  var buttons = document.querySelectorAll(".filters button[data-filter]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-filter");
      body.classList.remove("filter-all", "filter-failed", "filter-silent", "filter-visible");
      body.classList.add("filter-" + name);
      Array.prototype.forEach.call(buttons, function (other) {
        other.classList.toggle("active", other === button);
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
    });
  });
})();

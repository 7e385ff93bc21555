// The activity page's enhancements; every form works the same without this script.
(function () {
  "use strict";

  // The period list follows the chosen kind at once, rather than after « Appliquer ».
  var kind = document.getElementById("period");
  var at = document.getElementById("at");
  if (kind && at) {
    var lists = {};
    lists[kind.value] = Array.prototype.slice.call(at.options);
    document.querySelectorAll("template[data-periods]").forEach(function (template) {
      lists[template.getAttribute("data-periods")] = Array.prototype.slice.call(
        template.content.querySelectorAll("option")
      );
    });
    kind.addEventListener("change", function () {
      var options = lists[kind.value];
      if (!options) {
        return;
      }
      at.replaceChildren.apply(
        at,
        options.map(function (option) {
          return option.cloneNode(true);
        })
      );
      at.selectedIndex = 0;
    });
  }

  // A report takes seconds: say it is under way, and keep it from being asked for twice.
  var form = document.getElementById("report-form");
  if (!form) {
    return;
  }
  var button = document.getElementById("generate-report");
  var bar = document.getElementById("report-bar");
  var text = document.getElementById("report-progress-text");
  var sending = false;

  function reset() {
    sending = false;
    if (button) {
      button.disabled = false;
    }
    if (bar) {
      bar.hidden = true;
    }
    if (text) {
      text.textContent = "";
    }
  }

  form.addEventListener("submit", function (event) {
    if (sending) {
      event.preventDefault();
      return;
    }
    sending = true;
    if (button) {
      button.disabled = true;
    }
    if (bar) {
      bar.hidden = false;
    }
    if (text) {
      text.textContent = "Génération en cours… Le rapport apparaîtra dans la liste dès qu'il sera prêt.";
    }
  });
  // Coming back to the page from the history must not leave the button dead.
  window.addEventListener("pageshow", reset);
})();

// Shows how far a file upload has gone. Forms marked data-upload post as usual without this
// script; with it, a form with files goes by XMLHttpRequest so that its progress can be shown,
// and the page the server answers replaces this one (or its redirect is followed).
(function () {
  "use strict";
  var MAX_FILES = 3;
  var MAX_BYTES = 10 * 1024 * 1024;

  function statusOf(form) {
    return form.querySelector("[data-upload-status]");
  }

  function say(form, text, isError) {
    var status = statusOf(form);
    if (!status) {
      return;
    }
    var line = status.querySelector("[data-upload-text]");
    line.textContent = text;
    status.classList.toggle("field-error", Boolean(isError));
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      if (isError) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
  }

  function chosenFiles(form) {
    var files = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      for (var i = 0; i < input.files.length; i += 1) {
        files.push(input.files[i]);
      }
    });
    return files;
  }

  // The same limits the service applies, said before anything is sent; the service still judges.
  function problemWith(files) {
    if (files.length > MAX_FILES) {
      return "Trois fichiers au plus par envoi : vous en avez choisi " + files.length + ".";
    }
    for (var i = 0; i < files.length; i += 1) {
      if (files[i].size > MAX_BYTES) {
        return "Le fichier « " + files[i].name + " » dépasse 10 Mo : choisissez un fichier plus léger.";
      }
      if (files[i].size === 0) {
        return "Le fichier « " + files[i].name + " » est vide : choisissez-en un autre.";
      }
    }
    return null;
  }

  function showPage(html) {
    var next = new DOMParser().parseFromString(html, "text/html");
    document.title = next.title;
    document.body.replaceWith(document.adoptNode(next.body));
    var target = document.getElementById("error") || document.querySelector("[aria-invalid=true]");
    if (target) {
      target.setAttribute("tabindex", "-1");
      target.focus();
    }
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.form) {
      return;
    }
    if (!input.form.hasAttribute("data-upload")) {
      return;
    }
    var files = chosenFiles(input.form);
    var problem = problemWith(files);
    if (problem) {
      say(input.form, problem, true);
    } else if (files.length) {
      say(input.form, files.length === 1 ? "1 fichier choisi." : files.length + " fichiers choisis.");
    } else {
      say(input.form, "");
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-upload")) {
      return;
    }
    var files = chosenFiles(form);
    var problem = problemWith(files);
    if (problem) {
      event.preventDefault();
      say(form, problem, true);
      var input = form.querySelector("input[type=file]");
      if (input) {
        input.focus();
      }
      return;
    }
    if (!files.length || !window.FormData || !window.XMLHttpRequest) {
      return;
    }
    event.preventDefault();
    var button = event.submitter || form.querySelector("button");
    var bar = form.querySelector("[data-upload-status] progress");
    var request = new XMLHttpRequest();
    var shown = -1;
    if (button) {
      button.disabled = true;
    }
    if (bar) {
      bar.hidden = false;
      bar.value = 0;
    }
    say(form, "Envoi en cours : 0 %");
    request.upload.addEventListener("progress", function (progress) {
      if (!progress.lengthComputable) {
        return;
      }
      var percent = Math.round((progress.loaded * 100) / progress.total);
      if (bar) {
        bar.value = percent;
      }
      // Said by tens, so that a screen reader is not flooded.
      if (Math.floor(percent / 10) !== Math.floor(shown / 10)) {
        shown = percent;
        say(form, percent < 100 ? "Envoi en cours : " + percent + " %" : "Envoi terminé, enregistrement…");
      }
    });
    request.addEventListener("load", function () {
      if (request.status < 400 && request.responseURL && request.responseURL !== form.action) {
        window.location.assign(request.responseURL + (form.getAttribute("data-then") || ""));
      } else {
        showPage(request.responseText);
      }
    });
    request.addEventListener("error", function () {
      if (button) {
        button.disabled = false;
      }
      if (bar) {
        bar.hidden = true;
      }
      say(form, "L'envoi n'a pas abouti : vérifiez votre connexion, puis recommencez.", true);
    });
    request.open("POST", form.action);
    request.send(new FormData(form));
  });
})();

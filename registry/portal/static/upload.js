// Upload with a progress bar. Without JavaScript the form posts as usual and the
// browser shows the receipt or the report when the server answers; with it, the
// same form data goes through XMLHttpRequest so that the bytes sent can be shown.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) {
    return;
  }
  var progress = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var button = form.querySelector("button[type=submit]");

  form.addEventListener("submit", function (event) {
    var file = form.querySelector("input[type=file]");
    if (!file || !file.files || file.files.length === 0) {
      return; // let the browser say that the file is required
    }
    event.preventDefault();
    var request = new XMLHttpRequest();
    // The attribute, not form.action: a field named "action" (the submission's
    // action) shadows that property.
    var target = new URL(form.getAttribute("action"), window.location.href).href;
    request.open("POST", target);
    request.setRequestHeader("Accept", "text/html");
    progress.hidden = false;
    progress.value = 0;
    button.disabled = true;
    status.textContent = "Sending the file…";
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        progress.value = Math.round((e.loaded / e.total) * 100);
        status.textContent = "Sent " + progress.value + "%";
      }
    });
    request.upload.addEventListener("load", function () {
      progress.value = 100;
      status.textContent = "Sent. Checking the data…";
    });
    request.addEventListener("load", function () {
      if (request.responseURL && request.responseURL !== target &&
          request.responseURL.indexOf("/partner/submissions/") >= 0) {
        window.location.assign(request.responseURL);
        return;
      }
      document.open();
      document.write(request.responseText);
      document.close();
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      status.textContent = "The upload failed: the connection was lost. Nothing was stored; try again.";
    });
    request.send(new FormData(form));
  });
})();

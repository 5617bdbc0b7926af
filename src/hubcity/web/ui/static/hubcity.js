// hubcity: upload with two progress bars (bytes sent, then the ingest job). No framework, no build.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var texts = JSON.parse(document.getElementById("upload-i18n").textContent);
  var status = document.getElementById("upload-status");
  var submit = document.getElementById("upload-submit");

  function setBar(id, pct) {
    var bar = document.getElementById(id);
    var value = Math.max(0, Math.min(100, Math.round(pct)));
    bar.setAttribute("aria-valuenow", String(value));
    bar.querySelector(".bar-fill").style.width = value + "%";
    document.getElementById(id === "send-bar" ? "send-pct" : "ingest-pct").textContent = value + "%";
  }

  function fail(error) {
    error = error || {};
    document.getElementById("err-ko").textContent = error.message || error.error || texts.network;
    document.getElementById("err-en").textContent = error.message_en || error.error_en || texts.network_en;
    var where = error.where || [error.file, error.sheet, error.row != null ? "row " + error.row : null, error.column]
      .filter(function (x) { return x; }).join(", ");
    document.getElementById("err-where").textContent = where;
    document.getElementById("err-where-line").hidden = !where;
    document.getElementById("upload-error").hidden = false;
    document.getElementById("ingest-bar").classList.add("failed");
    submit.disabled = false;
  }

  function poll(job) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "/api/v1/jobs/" + encodeURIComponent(job.id));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status !== 200 || !body) { fail(body); return; }
      show(body);
    };
    xhr.onerror = function () { fail(null); };
    xhr.send();
  }

  function show(job) {
    setBar("ingest-bar", (job.progress || 0) * 100);
    document.getElementById("ingest-rows").textContent = texts.rows.replace("{n}", (job.rows_done || 0).toLocaleString());
    if (job.state === "succeeded") {
      setBar("ingest-bar", 100);
      document.getElementById("ingest-bar").classList.add("done");
      document.getElementById("upload-done").hidden = false;
      var target = "/datasets/" + encodeURIComponent(form.dataset.dataset) + "?resource=" + encodeURIComponent(job.resource || "");
      window.setTimeout(function () { window.location.assign(target); }, 600);
    } else if (job.state === "failed") {
      fail(job.error || { message: job.message });
    } else {
      window.setTimeout(function () { poll(job); }, 400);
    }
  }

  form.addEventListener("submit", function (event) {
    var file = form.querySelector("input[type=file]");
    if (!file.files || !file.files.length) { return; }  // let the browser say the file is required
    event.preventDefault();
    var data = new FormData();
    data.append("file", file.files[0]);
    ["resource", "encoding", "sheet"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) { data.append(name, value); }
    });
    status.hidden = false;
    document.getElementById("upload-error").hidden = true;
    document.getElementById("upload-done").hidden = true;
    ["send-bar", "ingest-bar"].forEach(function (id) {
      document.getElementById(id).classList.remove("done", "failed");
      setBar(id, 0);
    });
    submit.disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.dataset.api);
    xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
    // a partner's push names the official and the case; headers carry Korean as percent-encoded UTF-8
    [["official", "X-Hubcity-Official"], ["case", "X-Hubcity-Case"]].forEach(function (pair) {
      var input = form.elements[pair[0]];
      if (input && input.value.trim()) { xhr.setRequestHeader(pair[1], encodeURIComponent(input.value.trim())); }
    });
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { setBar("send-bar", (e.loaded / e.total) * 100); }
    };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 202 && body) {
        setBar("send-bar", 100);
        document.getElementById("send-bar").classList.add("done");
        show(body);
      } else {
        fail(body);
      }
    };
    xhr.onerror = function () { fail(null); };
    xhr.send(data);
  });
})();

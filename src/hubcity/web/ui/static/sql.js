// hubcity SQL page: run through /api/v1/query with an id, so that a long query can be cancelled.
(function () {
  "use strict";
  var form = document.getElementById("sql-form");
  if (!form || !window.fetch) { return; }
  var texts = JSON.parse(document.getElementById("sql-i18n").textContent);
  var runBtn = document.getElementById("sql-run");
  var cancelBtn = document.getElementById("sql-cancel");
  var status = document.getElementById("sql-status");
  var output = document.getElementById("sql-output");
  var current = null;

  function headers() {
    var h = { "Content-Type": "application/json", "Accept": "application/json" };
    if (texts.csrf) { h["X-CSRF-Token"] = texts.csrf; }
    return h;
  }

  function cell(value) {
    if (value === null || value === undefined) { return ""; }
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  function showError(body) {
    output.textContent = "";
    var links = document.getElementById("sql-links");  // they were for another query
    if (links) { links.parentNode.removeChild(links); }
    var box = document.createElement("div");
    box.className = "alert alert-error";
    box.setAttribute("role", "alert");
    var title = document.createElement("p");
    title.innerHTML = "<strong></strong>";
    title.firstChild.textContent = texts.error;
    box.appendChild(title);
    [body && body.error, body && body.error_en].forEach(function (msg, i) {
      if (!msg) { return; }
      var pre = document.createElement("pre");
      pre.className = "sql-error" + (i ? " en" : "");
      pre.textContent = msg;
      box.appendChild(pre);
    });
    if (!body) { box.appendChild(document.createTextNode(texts.network)); }
    output.appendChild(box);
  }

  // the links under the result, and the query a save keeps, follow the query just run
  function followQuery(sql) {
    var old = document.getElementById("sql-links");
    if (old) { old.parentNode.removeChild(old); }
    var links = document.createElement("p");
    links.className = "small";
    links.id = "sql-links";
    var permalink = document.createElement("a");
    permalink.href = "/sql?sql=" + encodeURIComponent(sql);
    permalink.textContent = texts.link;
    var chart = document.createElement("a");
    chart.href = "/charts/new?sql=" + encodeURIComponent(sql);
    chart.className = "btn btn-small";
    chart.id = "sql-chart";
    chart.textContent = texts.chart;
    links.appendChild(permalink);
    links.appendChild(document.createTextNode(" · "));
    links.appendChild(chart);
    output.parentNode.insertBefore(links, output.nextSibling);
    var saved = document.querySelector(".save-query input[name=sql]");
    if (saved) { saved.value = sql; }
  }

  function showResult(body) {
    output.textContent = "";
    var info = document.createElement("p");
    info.className = "muted";
    info.textContent = texts.rows.replace("{n}", body.rows.length.toLocaleString()) + " · " +
      body.elapsed_ms.toFixed(1) + " ms" + (body.tables.length ? " · " + body.tables.join(", ") : "");
    output.appendChild(info);
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.tabIndex = 0;
    var table = document.createElement("table");
    table.className = "data";
    table.id = "sql-result";
    var head = table.createTHead().insertRow();
    body.columns.forEach(function (c) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = c.name;
      head.appendChild(th);
    });
    var tbody = table.createTBody();
    body.rows.slice(0, 1000).forEach(function (row) {
      var tr = tbody.insertRow();
      body.columns.forEach(function (c) { tr.insertCell().textContent = cell(row[c.name]); });
    });
    wrap.appendChild(table);
    output.appendChild(wrap);
  }

  function finish() {
    current = null;
    runBtn.disabled = false;
    cancelBtn.hidden = true;
    status.textContent = "";
  }

  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.name === "explain") { return; }  // the plan: a plain page load
    event.preventDefault();
    var sql = document.getElementById("sql-input").value;
    var id = "ui-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
    current = id;
    runBtn.disabled = true;
    cancelBtn.hidden = false;
    status.textContent = texts.running;
    history.replaceState(null, "", "/sql?sql=" + encodeURIComponent(sql));
    fetch("/api/v1/query", { method: "POST", headers: headers(), credentials: "same-origin",
      body: JSON.stringify({ sql: sql, query_id: id, max_rows: 1000 }) })
      .then(function (resp) { return resp.json().then(function (body) { return [resp.ok, body]; }); })
      .then(function (pair) {
        if (pair[0]) { showResult(pair[1]); followQuery(sql); } else { showError(pair[1]); }
      })
      .catch(function () { showError(null); })
      .then(finish);
  });

  cancelBtn.addEventListener("click", function () {
    if (!current) { return; }
    fetch("/api/v1/query/" + encodeURIComponent(current), { method: "DELETE", headers: headers(),
      credentials: "same-origin" });
  });

  document.getElementById("sql-input").addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") { form.requestSubmit(runBtn); }
  });
})();

// The administrators' page of rollup runs (templates/reports/runs.html): while a run is running,
// poll the page's JSON twin every few seconds and move each run's progress bar; stop once no run
// is running. A run that is not on the page yet (started meanwhile) reloads the page.
(function () {
  "use strict";
  var root = document.querySelector("[data-runs]");
  if (!root || !root.hasAttribute("data-polling")) return;
  var url = root.getAttribute("data-runs");
  var EVERY_MS = 3000;

  function update(run) {
    var row = root.querySelector('tr[data-run="' + run.id + '"]');
    if (!row) return false;
    var bar = row.querySelector("progress");
    bar.max = Math.max(run.counties_total, 1);
    bar.value = run.counties_done;
    row.querySelector("[data-done]").textContent = String(run.counties_done);
    row.querySelector("[data-total]").textContent = String(run.counties_total);
    var failures = row.querySelector("[data-failures]");
    if (run.failures && failures.firstChild) failures.firstChild.nodeValue = String(run.failures);
    if (!run.running && row.hasAttribute("data-running")) return false; // finished: show its final row
    return true;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (data) {
        var fresh = true;
        data.runs.forEach(function (run) { if (!update(run)) fresh = false; });
        if (!fresh) { window.location.reload(); return; }
        if (data.runs.some(function (run) { return run.running; })) window.setTimeout(poll, EVERY_MS);
      })
      .catch(function () { window.setTimeout(poll, EVERY_MS * 5); }); // offline a while: try later
  }
  window.setTimeout(poll, EVERY_MS);
})();

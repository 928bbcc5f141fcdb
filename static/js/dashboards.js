/* Dashboards: ECharts (vendored, canvas renderer) fed from the JSON embedded in the page,
   sortable tables, the period picker's auto-submit and the print button. No network calls. */
(function () {
  "use strict";
  var COLORS = { meeting: "#2f6fa7", document: "#8a5a1f", inspection: "#a33b5c", app_task: "#4f5fa8" };
  var FONT = 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
  var charts = [];

  function data() {
    var node = document.getElementById("chart-data");
    return node ? JSON.parse(node.textContent) : null;
  }

  function shortWeek(w) { return w.replace(/^\d{4}-/, ""); }

  function base(extra) {
    var option = {
      animation: false,
      textStyle: { fontFamily: FONT },
      grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", confine: true }
    };
    for (var key in extra) option[key] = extra[key];
    return option;
  }

  // A phone's chart is narrow enough for the legend to take two lines (in English, always):
  // the plot then starts lower, so the second line does not run into the axis names.
  function legendRoom(el, oneLine) { return el.clientWidth < 560 ? oneLine + 22 : oneLine; }

  function trend(d, el) {
    var series = d.kinds.map(function (k) {
      return { name: k.label, type: "bar", stack: "hours", data: d.hours[k.key],
               itemStyle: { color: COLORS[k.key] }, barMaxWidth: 28 };
    });
    var yAxis = [{ type: "value", name: d.unit, nameGap: 10 }];
    if (d.per_cadre) {
      // Hours per cadre per week on its own axis, with the county's target as a dashed line.
      yAxis.push({ type: "value", name: d.per_cadre_label, nameGap: 10, splitLine: { show: false },
                   nameTextStyle: { align: "right" },
                   max: d.target ? function (v) { return Math.max(v.max, d.target) * 1.1; } : null });
      var line = { name: d.per_cadre_label, type: "line", yAxisIndex: 1, data: d.per_cadre,
                   connectNulls: false, symbolSize: 6, lineStyle: { width: 2, color: "#1f6f5c" },
                   itemStyle: { color: "#1f6f5c" } };
      if (d.target) {
        line.markLine = { symbol: "none", silent: true, lineStyle: { type: "dashed", color: "#b3261e", width: 2 },
                          label: { formatter: d.target_label + " " + d.target, position: "insideEndTop" },
                          data: [{ yAxis: d.target }] };
      }
      series.push(line);
    }
    return base({
      grid: { left: 8, right: 12, top: legendRoom(el, 56), bottom: 8, containLabel: true },
      legend: { top: 0, itemWidth: 12, itemHeight: 10 },
      xAxis: { type: "category", data: d.weeks.map(shortWeek), axisLabel: { hideOverlap: true } },
      yAxis: yAxis,
      series: series
    });
  }

  function quarterKinds(d, el) {
    return base({
      legend: { top: 0, itemWidth: 12, itemHeight: 10 },
      grid: { left: 8, right: 12, top: legendRoom(el, 40), bottom: 8, containLabel: true },
      xAxis: { type: "category", data: d.quarters },
      yAxis: { type: "value" },
      series: d.kinds.map(function (k) {
        return { name: k.label, type: "bar", stack: "kinds", data: d.quarter_kinds[k.key],
                 itemStyle: { color: COLORS[k.key] }, barMaxWidth: 40 };
      })
    });
  }

  function spark(d, key) {
    return base({
      grid: { left: 4, right: 4, top: 6, bottom: 4, containLabel: false },
      tooltip: { trigger: "axis", confine: true, valueFormatter: function (v) {
        return v == null ? "—" : (v * 100).toFixed(1) + "%"; } },
      xAxis: { type: "category", data: d.weeks, show: false, boundaryGap: false },
      yAxis: { type: "value", show: false, min: 0, max: 1 },
      series: [{ type: "line", data: d.indicators[key], connectNulls: false, symbolSize: 5,
                 lineStyle: { width: 2, color: "#1f6f5c" }, itemStyle: { color: "#1f6f5c" },
                 areaStyle: { color: "rgba(31,111,92,0.15)" } }]
    });
  }

  function horizontal(names, values, color, unit) {
    return base({
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", confine: true, axisPointer: { type: "shadow" } },
      xAxis: { type: "value", name: unit },
      yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: 96, overflow: "truncate" } },
      series: [{ type: "bar", data: values, itemStyle: { color: color }, barMaxWidth: 22,
                 label: { show: true, position: "right", formatter: function (p) {
                   return p.value == null ? "" : Number(p.value).toFixed(1); } } }]
    });
  }

  function optionFor(kind, el, d) {
    if (kind === "trend") return trend(d, el);
    if (kind === "spark") return spark(d, el.getAttribute("data-key"));
    if (kind === "quarter-kinds") return quarterKinds(d, el);
    if (kind === "counties") return horizontal(d.names, d.hours_per_reporter, "#1f6f5c", d.unit);
    if (kind === "department-counties") return horizontal(d.names, d.hours, "#a33b5c", d.unit);
    if (kind === "quarters") {
      return base({
        xAxis: { type: "category", data: d.quarters },
        yAxis: { type: "value", name: d.unit },
        series: [{ type: "bar", data: d.quarter_hours, itemStyle: { color: "#2f6fa7" }, barMaxWidth: 40 }]
      });
    }
    return null;
  }

  function hasData(option) {
    return option.series.some(function (s) {
      return s.data.some(function (v) { return v !== null && v !== undefined; });
    });
  }

  function drawCharts() {
    var d = data();
    if (!d || typeof echarts === "undefined") return;
    var nodes = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var option = optionFor(el.getAttribute("data-chart"), el, d);
      if (!option) continue;
      var chart = echarts.init(el, null, { renderer: "canvas" });
      if (el.getAttribute("data-empty") && !hasData(option)) {
        // Every value suppressed or absent: say so instead of an empty frame.
        option.graphic = { type: "text", left: "center", top: "middle",
                           style: { text: el.getAttribute("data-empty"), fill: "#5c6b70", fontSize: 14, fontFamily: FONT } };
      }
      chart.setOption(option);
      el.setAttribute("data-rendered", "true");
      charts.push(chart);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  function sortable(table) {
    var heads = table.querySelectorAll("thead th[data-sort]");
    heads.forEach(function (th, column) {
      th.tabIndex = 0;
      th.setAttribute("role", "button");
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.getAttribute("data-sort") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, column), y = cellValue(b, column);
          // Suppressed or empty cells always sink to the bottom.
          if (x === "" && y !== "") return 1;
          if (y === "" && x !== "") return -1;
          var c = numeric ? parseFloat(x) - parseFloat(y) : String(x).localeCompare(String(y), "zh");
          return ascending ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  }

  function cellValue(row, column) {
    // A suppressed row has one cell spanning the measures: every measure column reads empty.
    var cells = row.children;
    if (column >= cells.length || cells[Math.min(column, cells.length - 1)].colSpan > 1) {
      return column === 0 ? (cells[0].getAttribute("data-value") || "") : "";
    }
    var cell = cells[column];
    var value = cell.getAttribute("data-value");
    return value === null ? cell.textContent.trim() : value;
  }

  function init() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("table.sortable").forEach(sortable);
    drawCharts();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

// Monitoring overview charts (ECharts, vendored). Data come from the json_script block.
(function () {
  var el = document.getElementById("monitor-data");
  if (!el || typeof echarts === "undefined") return;
  var d = JSON.parse(el.textContent), charts = [];
  function bar(id, rows, label, value) {
    var c = echarts.init(document.getElementById(id));
    c.setOption({
      tooltip: { trigger: "axis" }, grid: { left: 40, right: 10, bottom: 90 },
      xAxis: { type: "category", data: rows.map(function (r) { return r[label]; }), axisLabel: { rotate: 40 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: rows.map(function (r) { return r[value]; }) }]
    });
    charts.push(c);
  }
  bar("chart-cause", d.by_cause, "cause", "n");
  bar("chart-area", d.by_area, "area", "n");
  bar("chart-age", d.ages, "age", "n");
  var o = echarts.init(document.getElementById("chart-outcome"));
  o.setOption({
    tooltip: { trigger: "axis" }, legend: { data: d.outcome_series.map(function (s) { return s.name; }) },
    xAxis: { type: "category", data: d.outcome_months }, yAxis: { type: "value", minInterval: 1 },
    series: d.outcome_series.map(function (s) { return { name: s.name, type: "bar", stack: "all", data: s.data }; })
  });
  charts.push(o);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();

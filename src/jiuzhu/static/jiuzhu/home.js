// Home dashboard charts (ECharts, vendored). Data come from json_script blocks in the page.
(function () {
  function read(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  var byArea = read("data-by-area"), byUr = read("data-by-ur");
  var t = read("data-labels") || { households: "家庭", persons: "人员", urban: "城市", rural: "农村" };
  if (!byArea || typeof echarts === "undefined") return;
  var area = echarts.init(document.getElementById("chart-area"));
  area.setOption({
    tooltip: { trigger: "axis" }, legend: { data: [t.households, t.persons] },
    grid: { left: 50, right: 20, bottom: 80 },
    xAxis: { type: "category", data: byArea.map(function (r) { return r.name; }), axisLabel: { rotate: 40 } },
    yAxis: { type: "value" },
    series: [
      { name: t.households, type: "bar", data: byArea.map(function (r) { return r.households; }) },
      { name: t.persons, type: "bar", data: byArea.map(function (r) { return r.persons; }) }
    ]
  });
  var labels = { urban: t.urban, rural: t.rural };
  var ur = echarts.init(document.getElementById("chart-ur"));
  ur.setOption({
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["35%", "65%"],
      data: byUr.map(function (r) { return { name: labels[r.urban_rural] || r.urban_rural, value: r.households }; }) }]
  });
  window.addEventListener("resize", function () { area.resize(); ur.resize(); });
})();

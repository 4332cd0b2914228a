/* Statistics charts (ECharts, vendored). Data come from the page's JSON block; no network. */
(function () {
  var el = document.getElementById('stats-data');
  if (!el || typeof echarts === 'undefined') { return; }
  var data = JSON.parse(el.textContent);
  var charts = [];
  function make(id, option) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var c = echarts.init(node);
    c.setOption(option);
    charts.push(c);
  }
  if (data.trend) {
    make('trend-chart', {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: data.trend.labels },
      yAxis: { type: 'value' },
      series: data.trend.series.map(function (s) { return { name: s.name, type: 'line', data: s.data }; })
    });
  }
  if (data.composition) {
    make('composition-chart', {
      tooltip: { trigger: 'item' },
      legend: { bottom: 0, type: 'scroll' },
      series: [{ type: 'pie', radius: ['35%', '65%'], data: data.composition }]
    });
  }
  if (data.tiers) {
    make('tier-chart', {
      tooltip: { trigger: 'item' },
      legend: { bottom: 0 },
      series: [{ type: 'pie', radius: ['35%', '65%'], data: data.tiers }]
    });
  }
  if (data.ranking && data.ranking.names.length) {
    var node = document.getElementById('rank-chart');
    if (data.map === 'streets' && data.street_geo && node) {
      // the county's streets, from the boundaries the province supplied (imported, validated)
      echarts.registerMap('streets', data.street_geo);
      var top = Math.max.apply(null, data.map_values.map(function (v) { return v.value; }).concat([1]));
      make('rank-chart', {
        tooltip: { trigger: 'item' },
        visualMap: { min: 0, max: top, left: 10, bottom: 10, calculable: true, text: [data.ranking.label, ''] },
        series: [{ type: 'map', map: 'streets', label: { show: true, fontSize: 10 }, data: data.map_values }]
      });
    } else if (data.map === true && window.JIUZHU_TAIZHOU_GEO && node) {
      echarts.registerMap('taizhou', window.JIUZHU_TAIZHOU_GEO);
      var max = Math.max.apply(null, data.map_values.map(function (v) { return v.value; }).concat([1]));
      make('rank-chart', {
        tooltip: { trigger: 'item' },
        visualMap: { min: 0, max: max, left: 10, bottom: 10, calculable: true, text: [data.ranking.label, ''] },
        series: [{ type: 'map', map: 'taizhou', label: { show: true }, data: data.map_values }]
      });
    } else {
      make('rank-chart', {
        tooltip: { trigger: 'axis' },
        grid: { left: 110, right: 30, top: 10, bottom: 30 },
        xAxis: { type: 'value' },
        yAxis: { type: 'category', inverse: true, data: data.ranking.names },
        series: [{ name: data.ranking.label, type: 'bar', data: data.ranking.values }]
      });
    }
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();

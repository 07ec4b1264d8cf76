// The dashboard's charts, drawn by the shipped ECharts from the figures the page
// carries (the JSON block #dashboard-charts, the same figures as each chart's table).
// Without JavaScript the tables stand alone; tooltips are drawn on the canvas
// (renderMode richText) so that no inline style is needed under the page's CSP.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-charts");
  if (!source || !window.echarts) {
    return;
  }
  var charts = JSON.parse(source.textContent);
  var palette = ["#1d3f72", "#b35c00", "#2e7d32", "#8e24aa", "#00838f", "#c62828",
                 "#5d4037", "#546e7a", "#9e9d24", "#ad1457", "#283593", "#6d4c41"];
  var drawn = [];

  function axisValue(unit) {
    return { type: "value", name: unit, nameTextStyle: { color: "#1b1f24", align: "left" },
             axisLabel: { color: "#1b1f24" } };
  }

  function option(spec) {
    var common = {
      color: palette,
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText", confine: true },
      legend: { type: "scroll", bottom: 0, textStyle: { color: "#1b1f24" } },
      grid: { left: 8, right: 24, top: 36, bottom: 48, containLabel: true }
    };
    if (spec.type === "line") {
      common.xAxis = { type: "category", data: spec.categories, axisLabel: { color: "#1b1f24" } };
      common.yAxis = axisValue(spec.unit);
      common.series = spec.series.map(function (s) {
        return { name: s.name, type: "line", data: s.data, connectNulls: false, symbolSize: 6 };
      });
      return common;
    }
    common.tooltip.axisPointer = { type: "shadow" };
    common.yAxis = { type: "category", data: spec.categories, axisLabel: { color: "#1b1f24" } };
    common.xAxis = axisValue(spec.unit);
    if (spec.unit === "%") {
      common.xAxis.max = spec.type === "stacked" ? undefined : 100;
    }
    common.series = spec.series.map(function (s) {
      var series = { name: s.name, type: "bar", data: s.data };
      if (spec.type === "stacked") {
        series.stack = "parts";
      }
      return series;
    });
    return common;
  }

  charts.forEach(function (spec) {
    var box = document.getElementById("chart-" + spec.id);
    if (!box) {
      return;
    }
    box.hidden = false;
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(option(spec));
    drawn.push(chart);
  });
  window.addEventListener("resize", function () {
    drawn.forEach(function (chart) { chart.resize(); });
  });
})();

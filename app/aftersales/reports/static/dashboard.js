/* The dashboard's charts: each `.chart` carries its data as JSON in `data-chart` (labels,
   series, and per bar the page listing the cases behind it); ECharts draws it on a canvas and
   a click on a bar or slice opens that list. */
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") { return; }

  function option(spec) {
    if (spec.kind === "pie") {
      var first = spec.series[0] || { values: [] };
      return {
        tooltip: { trigger: "item" },
        legend: { bottom: 0 },
        series: [{
          type: "pie",
          radius: "60%",
          data: spec.labels.map(function (label, i) { return { name: label, value: first.values[i] }; })
        }]
      };
    }
    return {
      tooltip: { trigger: "axis" },
      legend: { show: spec.series.length > 1 },
      grid: { left: 48, right: 16, top: 32, bottom: 48 },
      xAxis: { type: "category", data: spec.labels, axisLabel: { interval: 0, hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: spec.series.map(function (s) {
        return { type: spec.kind === "line" ? "line" : "bar", name: s.name, data: s.values, barMaxWidth: 48 };
      })
    };
  }

  var charts = [];
  document.querySelectorAll(".chart[data-chart]").forEach(function (el) {
    var spec = JSON.parse(el.getAttribute("data-chart"));
    var chart = window.echarts.init(el, null, { renderer: "canvas", locale: document.documentElement.lang === "en" ? "EN" : "ZH" });
    chart.setOption(option(spec));
    chart.on("click", function (params) {
      var link = spec.links[params.dataIndex];
      if (link) { window.location.assign(link); }
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());

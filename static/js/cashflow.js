// The Cash flow page's two charts (Chart.js, from static/vendor): the balance line, the past
// solid and the forecast dashed, and the months' money in and out, the expected lighter.
// The figures come from the page's JSON (json_script "cashflow-data"); numbers and dates are
// written in the page's language. Without the script the tables beside say the same.
(function () {
  "use strict";
  function start() {
    var source = document.getElementById("cashflow-data");
    if (!source || typeof window.Chart === "undefined") return;
    var data = JSON.parse(source.textContent);
    var money = new Intl.NumberFormat(data.money_locale, { style: "currency", currency: data.currency, maximumFractionDigits: 0 });
    var exact = new Intl.NumberFormat(data.money_locale, { style: "currency", currency: data.currency });
    var dayFormat = new Intl.DateTimeFormat(data.locale, { day: "numeric", month: "short", year: "numeric" });
    var monthFormat = new Intl.DateTimeFormat(data.locale, { month: "short", year: "numeric" });
    function day(iso) { var p = iso.split("-"); return new Date(+p[0], +p[1] - 1, +p[2]); }
    var words = data.words;
    var balance = data.balance;
    var datasets = [
      { label: words.history, data: balance.history, borderColor: "#0b6e4f", backgroundColor: "#0b6e4f", borderWidth: 2, pointRadius: 0, spanGaps: false },
      { label: words.forecast, data: balance.forecast, borderColor: "#1f4e9c", backgroundColor: "#1f4e9c", borderDash: [6, 4], borderWidth: 2, pointRadius: 0, spanGaps: false }
    ];
    var palette = ["#8a5300", "#6b3fa0", "#b3261e", "#555"];
    balance.accounts.forEach(function (account, n) {
      datasets.push({ label: account.name, data: account.values, borderColor: palette[n % palette.length], borderWidth: 1, pointRadius: 0 });
    });
    if (balance.threshold !== null) {
      datasets.push({ label: words.threshold, data: balance.days.map(function () { return balance.threshold; }), borderColor: "#b3261e", borderWidth: 1, borderDash: [2, 3], pointRadius: 0 });
    }
    var tooltipMoney = { callbacks: { label: function (c) { return c.dataset.label + ": " + exact.format(c.parsed.y); } } };
    new window.Chart(document.getElementById("balance-chart"), {
      type: "line",
      data: { labels: balance.days, datasets: datasets },
      options: {
        maintainAspectRatio: false, animation: false, interaction: { mode: "index", intersect: false },
        plugins: { legend: { display: datasets.length > 2 }, tooltip: Object.assign({ callbacks: {} }, tooltipMoney, { callbacks: { title: function (items) { return dayFormat.format(day(items[0].label)); }, label: tooltipMoney.callbacks.label } }) },
        scales: {
          x: { ticks: { maxTicksLimit: 8, callback: function (v) { return monthFormat.format(day(this.getLabelForValue(v))); } } },
          y: { ticks: { callback: function (v) { return money.format(v); } } }
        }
      }
    });
    var flows = data.flows;
    new window.Chart(document.getElementById("flows-chart"), {
      type: "bar",
      data: {
        labels: flows.months,
        datasets: [
          { label: words["in"], data: flows["in"], backgroundColor: "#0b6e4f", stack: "in" },
          { label: words.expected_in, data: flows.expected_in, backgroundColor: "rgba(11,110,79,0.35)", stack: "in" },
          { label: words.out, data: flows.out, backgroundColor: "#b3261e", stack: "out" },
          { label: words.expected_out, data: flows.expected_out, backgroundColor: "rgba(179,38,30,0.35)", stack: "out" }
        ]
      },
      options: {
        maintainAspectRatio: false, animation: false,
        plugins: { tooltip: { callbacks: { title: function (items) { return monthFormat.format(day(items[0].label)); }, label: tooltipMoney.callbacks.label } } },
        scales: {
          x: { stacked: true, ticks: { callback: function (v) { return monthFormat.format(day(this.getLabelForValue(v))); } } },
          y: { stacked: true, ticks: { callback: function (v) { return money.format(v); } } }
        }
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

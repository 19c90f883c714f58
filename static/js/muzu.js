// Behaviour the templates ask for with data attributes: the Content-Security-Policy
// runs no inline script or event handler (app/headers.py), so it all lives here.
(function () {
  "use strict";

  // <form data-confirm="…">: ask before submitting.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.hasAttribute) return;
    // <select data-navigate>: each option's value is a URL.
    if (el.hasAttribute("data-navigate") && el.value) window.location = el.value;
    // <select|input data-autosubmit>: submit its form on change.
    else if (el.hasAttribute("data-autosubmit") && el.form) el.form.submit();
  });

  // <button data-print>: print the page.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) window.print();
  });

  // Polling guards (hx-trigger filters would need eval): data-poll-guard names one;
  // when it says "not now", the poll is skipped.
  var guards = {
    // The front desk's board page: not while hidden, typing in it or a menu is open.
    "board-idle": function (live) {
      if (document.hidden) return false;
      var el = document.activeElement;
      var typing = el && live.contains(el) && /^(SELECT|INPUT|TEXTAREA)$/.test(el.tagName);
      return !typing && !live.querySelector(".dropdown-menu.show");
    },
    // The live 轮牌 board: not while anything in it has the focus or a prompt is open.
    "board-live": function (live) {
      return !live.querySelector(":focus, details[open]");
    }
  };
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail && event.detail.elt;
    var name = elt && elt.getAttribute && elt.getAttribute("data-poll-guard");
    if (name && guards[name] && !guards[name](elt)) event.preventDefault();
  });

  // Pages with a script of their own name it: <body data-page="…"> is not needed;
  // each page script below runs only when its element is present.

  // 办卡: show the fields of the chosen card kind.
  var kinds = document.querySelectorAll("input[name=kind]");
  if (kinds.length && document.querySelector("[data-kind]")) {
    var showKind = function () {
      var checked = document.querySelector("input[name=kind]:checked");
      if (!checked) return;
      document.querySelectorAll("[data-kind]").forEach(function (el) {
        el.hidden = el.dataset.kind !== checked.value;
      });
    };
    kinds.forEach(function (el) { el.addEventListener("change", showKind); });
    showKind();
  }

  // 开单: a party's service rows go guest by guest (row n is guest n, then round
  // again; orders.next_guest on the server).  When the party size changes, rows whose
  // guest the receptionist has not typed follow it; a typed one is left alone.
  var guestRows = document.querySelector("[data-guest-auto]");
  var guestForm = guestRows && guestRows.closest("form");
  var partyInput = guestForm && guestForm.querySelector("[name=party_size]");
  if (guestRows && partyInput) {
    var guestInputs = guestRows.querySelectorAll("input.guest-no");
    var party = function () {
      var n = parseInt(partyInput.value, 10);
      return n > 0 ? n : 1;
    };
    var nextGuest = function (row) { return String(row % party() + 1); };
    guestInputs.forEach(function (input, row) {
      // Filled by the page with the default: it may follow the party size.
      input.dataset.auto = input.value === "" || input.value === nextGuest(row) ? "1" : "";
      input.addEventListener("input", function () { input.dataset.auto = ""; });
    });
    partyInput.addEventListener("input", function () {
      guestInputs.forEach(function (input, row) {
        if (input.dataset.auto === "1") input.value = nextGuest(row);
      });
    });
  }

  // 结账: live sums only to help the cashier; the server checks every amount again.
  var form = document.getElementById("pay-form");
  if (form) {
    var cents = function (v) {
      var n = Number(String(v || "").replace(/[,¥\s]/g, ""));
      return isFinite(n) ? Math.round(n * 100) : 0;
    };
    var yuan = function (c) { return (c / 100).toFixed(2); };
    var total = cents(form.dataset.total);
    var update = function () {
      var entered = 0;
      form.querySelectorAll(".pay-amount").forEach(function (el) { entered += cents(el.value); });
      form.querySelectorAll(".package-use:checked").forEach(function (el) {
        entered += cents(el.dataset.covers);
      });
      var rest = total - entered;
      document.getElementById("entered").textContent = yuan(entered);
      document.getElementById("rest").textContent = yuan(Math.abs(rest));
      var label = document.getElementById("rest-label");
      label.textContent = rest >= 0 ? label.dataset.short : label.dataset.over;
      var cash = cents(document.getElementById("cash_amount").value);
      var tendered = cents(document.getElementById("cash_tendered").value);
      document.getElementById("change").textContent =
        yuan(tendered > cash && cash > 0 ? tendered - cash : 0);
      return rest;
    };
    form.addEventListener("input", update);
    form.querySelectorAll(".fill-rest").forEach(function (button) {
      button.addEventListener("click", function () {
        var input = button.parentElement.querySelector("input");
        input.value = "";
        var rest = update();
        if (rest > 0) input.value = yuan(rest);
        update();
      });
    });
    update();
  }
})();

// ==== 技师档案: the 12-month trend chart (technical/profile.html) ====
// <canvas data-chart='JSON'>: {labels, series: [{label, data, axis, type}], axes} (an
// attribute: the CSP forbids inline <script>, data blocks too); Chart.js is vendored
// (static/vendor/chartjs) and loaded by the page that needs it.
(function () {
  "use strict";
  var colours = ["#0d6efd", "#dc3545", "#198754", "#fd7e14"];
  var scales = {
    count: {position: "left", beginAtZero: true, ticks: {precision: 0}},
    percent: {position: "right", min: 0, max: 100, grid: {drawOnChartArea: false}},
    rating: {position: "right", min: 0, max: 5, grid: {drawOnChartArea: false}}
  };

  function drawTrend(canvas) {
    if (typeof window.Chart === "undefined") return;
    var data = JSON.parse(canvas.getAttribute("data-chart"));
    var axes = {};
    var datasets = data.series.map(function (series, i) {
      var scale = Object.assign({}, scales[series.axis]);
      scale.title = {display: true, text: data.axes[series.axis]};
      axes[series.axis] = scale;
      return {
        type: series.type, label: series.label, data: series.data, yAxisID: series.axis,
        backgroundColor: colours[i % colours.length], borderColor: colours[i % colours.length],
        spanGaps: true, tension: 0.2
      };
    });
    new window.Chart(canvas, {
      data: {labels: data.labels, datasets: datasets},
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: {mode: "index", intersect: false},
        plugins: {legend: {position: "bottom", labels: {boxWidth: 12}}},
        scales: axes
      }
    });
  }

  // After every script of the page has run: the page loads Chart.js after this file.
  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(drawTrend);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();

// ==== 预算: budget against actual expenses per store (finance/budgets.html) ====
// <canvas data-budget-chart='{"labels", "budget", "actual", "names"}'>; Chart.js is loaded
// by the page after this file, so draw once the document is ready.
(function () {
  "use strict";
  function draw(canvas) {
    if (typeof window.Chart === "undefined") return;
    var data = JSON.parse(canvas.getAttribute("data-budget-chart"));
    new window.Chart(canvas, {
      type: "bar",
      data: {labels: data.labels, datasets: [
        {label: data.names.budget, data: data.budget, backgroundColor: "#9ec5fe"},
        {label: data.names.actual, data: data.actual, backgroundColor: data.actual.map(
          function (v, i) { return v > data.budget[i] ? "#dc3545" : "#198754"; })}
      ]},
      options: {responsive: true, maintainAspectRatio: false, animation: false,
                plugins: {legend: {position: "bottom", labels: {boxWidth: 12}}},
                scales: {y: {beginAtZero: true}}}
    });
  }
  function drawAll() {
    document.querySelectorAll("canvas[data-budget-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();

// Occupancy bars (templates/logistics/dorms.html): the width comes from data-percent,
// since the CSP refuses inline style attributes.
(function () {
  function size() {
    document.querySelectorAll(".progress-bar[data-percent]").forEach(function (bar) {
      var percent = Math.max(0, Math.min(100, parseInt(bar.dataset.percent, 10) || 0));
      bar.style.width = percent + "%";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", size);
  else size();
})();

// ==== 财务: bar charts of money per store (finance/pnl.html, finance/closings.html) ====
// <canvas data-finance-chart='{"labels": [...], "datasets": [{"label", "data"}]}'>: amounts
// as decimal strings (yuan); Chart.js is loaded by the page.
(function () {
  "use strict";
  var colours = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545"];

  function drawMoneyBars(canvas) {
    if (typeof window.Chart === "undefined") return;
    var data = JSON.parse(canvas.getAttribute("data-finance-chart"));
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, i) {
          return {label: set.label, data: set.data.map(Number),
                  backgroundColor: colours[i % colours.length]};
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {legend: {position: "bottom", labels: {boxWidth: 12}}},
        scales: {y: {beginAtZero: true, ticks: {callback: function (v) {
          return "¥" + Number(v).toLocaleString("zh-CN");
        }}}}
      }
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-finance-chart]").forEach(drawMoneyBars);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();

// ==== 服务部: satisfaction index trend (service/satisfaction.html) ====
// <canvas data-service-chart='{"labels": [...months], "datasets": [{"label": store,
// "data": ["92.5", null, ...]}]}'>: one line per store, index 0–100 (null: no ratings
// that month, drawn as a gap); Chart.js is loaded by the page.
(function () {
  "use strict";
  var colours = ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d"];

  function drawIndexTrend(canvas) {
    if (typeof window.Chart === "undefined") return;
    var data = JSON.parse(canvas.getAttribute("data-service-chart"));
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, i) {
          return {label: set.label, spanGaps: false, tension: 0.2,
                  data: set.data.map(function (v) { return v === null ? null : Number(v); }),
                  borderColor: colours[i % colours.length],
                  backgroundColor: colours[i % colours.length]};
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {legend: {position: "bottom", labels: {boxWidth: 12}}},
        scales: {y: {min: 0, max: 100}}
      }
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-service-chart]").forEach(drawIndexTrend);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();

// ---- service department: 卫生评比 bar chart -------------------------------------------
// <canvas data-ranking-chart='{"labels": [...], "datasets": [{"label", "data"}]}'>: averages
// as decimal strings (percent); Chart.js is loaded by the page.
(function () {
  "use strict";

  function drawRanking(canvas) {
    if (typeof window.Chart === "undefined") return;
    var data = JSON.parse(canvas.getAttribute("data-ranking-chart"));
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set) {
          return {label: set.label, data: set.data.map(Number), backgroundColor: "#198754"};
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        plugins: {legend: {position: "bottom", labels: {boxWidth: 12}}},
        scales: {y: {beginAtZero: true, max: 100, ticks: {callback: function (v) {
          return v + "%";
        }}}}
      }
    });
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-ranking-chart]").forEach(drawRanking);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
// ---- end service department ----------------------------------------------------------

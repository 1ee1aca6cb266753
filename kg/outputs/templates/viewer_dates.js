/* kg graph viewer: the date range filter, on graphs with dates only. An edge is shown
 * when one of its evidences is dated in the range; once the range is narrower than the
 * graph's dates, undated edges are hidden too. Runs after viewer.js (window.kgViewer). */
(function () {
  "use strict";
  var api = window.kgViewer;
  var from = document.getElementById("kg-date-from");
  var to = document.getElementById("kg-date-to");
  var count = document.getElementById("kg-date-count");
  if (!api || !from || !to || !api.edges || !api.data.dates) return;
  var span = api.data.dates;
  var byId = new Map(api.data.edges.map(function (e) { return [e.id, e]; }));
  var update = api.edges.update;

  function narrowed() {
    return (from.value || span.min) > span.min || (to.value || span.max) < span.max;
  }
  function outside(e) {
    if (!narrowed()) return false;
    var low = from.value || "0000-00-00", high = to.value || "9999-99-99";
    return !(e.evidences || []).some(function (ev) {
      return ev.date && ev.date >= low && ev.date <= high;
    });
  }
  // The type and relation filters update edges through api.edges.update: an edge they
  // show stays hidden while it is outside the range.
  api.edges.update = function (items) {
    items = [].concat(items).map(function (item) {
      var e = byId.get(item.id);
      return item.hidden === false && e && outside(e) ? { id: item.id, hidden: true } : item;
    });
    return update.call(api.edges, items);
  };
  function apply() {
    var hidden = 0;
    var items = api.data.edges.map(function (e) {
      var out = outside(e);
      if (out) hidden += 1;
      return { id: e.id, hidden: !!e._hidden || out };
    });
    update.call(api.edges, items);
    api.dateHidden = hidden;
    if (count) count.textContent = hidden ? hidden + " edges outside the dates" : "";
  }
  from.addEventListener("change", apply);
  to.addEventListener("change", apply);
  api.setDateRange = function (low, high) {
    from.value = low || "";
    to.value = high || "";
    apply();
  };
  api.dateHidden = 0;
})();

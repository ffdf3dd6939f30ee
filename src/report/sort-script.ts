/**
 * Inline script for sortable tables: clicking a header with data-sort="num" sorts the body rows by the
 * cells' data-value, toggling between descending and ascending. No external code, no network.
 */
export const SORT_SCRIPT = `
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th[data-sort]').forEach(function (th) {
    th.addEventListener('click', function () {
      var col = th.cellIndex, body = table.tBodies[0];
      var dir = th.getAttribute('aria-sort') === 'descending' ? 1 : -1;
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) { return dir * (Number(a.cells[col].dataset.value) - Number(b.cells[col].dataset.value)); });
      rows.forEach(function (r) { body.appendChild(r); });
      table.querySelectorAll('th[data-sort]').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir < 0 ? 'descending' : 'ascending');
    });
  });
});
`;

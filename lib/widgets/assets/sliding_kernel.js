// The sliding-kernel widget: the browser twin of render_state, caption and subject in sliding_kernel.py,
// drawing the same markup from the same numbers. Uses R, D, f, t, lv, cls, cell, grid and stepper (widget.js).
var V = R.querySelector(".dls-view");
var K = R.querySelector(".dls-kernel"), A = R.querySelector(".dls-pad"), S = R.querySelector(".dls-stride");
var fwd = D.mode == "forward";
function ix(e) { return e ? parseInt(e.value, 10) : 0; }
function combo() { return D.c[(ix(K) * D.np + ix(A)) * D.ns + ix(S)]; }
function pair(o, x) { return '<div class="dls-pair"><div class="dls-op">' + o + "</div>" + x + "</div>"; }
function foc(r, q, a, b) { return ' tabindex="' + (r == a && q == b ? 0 : -1) + '"'; }
// replay steps 0..k: the output cells written so far, or the window values of dx after each step
function replay(c, k) {
  var n = c.kh * c.kw, rows = fwd ? c.oh : c.h, cols = fwd ? c.ow : c.w, gr = [], fl = [], r, q, m;
  for (r = 0; r < rows; r++) {
    gr.push([]); fl.push([]);
    for (q = 0; q < cols; q++) { gr[r].push(0); fl[r].push(false); }
  }
  for (m = 0; m <= k; m++) {
    var s = c.t[m];
    if (fwd) { gr[s[0]][s[1]] = s[4]; fl[s[0]][s[1]] = true; }
    else for (r = 0; r < c.kh; r++) for (q = 0; q < c.kw; q++) {
      gr[s[2] + r][s[3] + q] = s[5 + n + r * c.kw + q]; fl[s[2] + r][s[3] + q] = true;
    }
  }
  return [gr, fl];
}
function draw(k) {
  var c = combo(), d = c.d, dx = c.dx, dk = c.dk, dg = c.dg, kh = c.kh, kw = c.kw, n = kh * kw, st = c.t[k];
  var i = st[0], j = st[1], top = st[2], left = st[3], val = st[4], pr = st.slice(5, 5 + n);
  var p = c.p, H = c.h - 2 * p, W = c.w - 2 * p, rf = replay(c, k), gr = rf[0], fl = rf[1], r, q;
  function win(r, q) { return r >= top && r < top + kh && q >= left && q < left + kw; }
  function pc(r, q) { return r < p || q < p || r >= c.h - p || q >= c.w - p; }
  var padded = p ? " (padded)" : "", panels, info, cap;
  var kern = grid("kernel w", kh, kw, function (r, q) { return cell(lv(c.k[r * kw + q], c.mk), f(c.k[r * kw + q], dk)); }, "k");
  if (fwd) {
    var x = grid("input x" + padded, c.h, c.w, function (r, q) {
      return cell(cls(pc(r, q) ? "p" : lv(c.x[r * c.w + q], c.mx), win(r, q) ? "w" : ""), f(c.x[r * c.w + q], dx));
    }, "src");
    var pp = grid("window × kernel", kh, kw, function (r, q) {
      return cell(cls(lv(pr[r * kw + q], c.mp), "w"), f(pr[r * kw + q], d),
        t(c.x[(top + r) * c.w + left + q], dx) + "×" + t(c.k[r * kw + q], dk));
    }, "wide prod");
    var out = grid("output", c.oh, c.ow, function (r, q) {
      return cell(fl[r][q] ? cls(lv(gr[r][q], c.my), r == i && q == j ? "c" : "") : "e",
        fl[r][q] ? f(gr[r][q], d) : null, "", foc(r, q, i, j));
    }, "out");
    panels = x + pair("⊙", kern) + pair("=", pp) + pair("→ Σ", out);
    info = "input " + H + "×" + W + " · kernel " + kh + "×" + kw + " · padding " + p + " · stride " + c.s
      + " → output " + c.oh + "×" + c.ow;
    var terms = [];
    for (r = 0; r < kh; r++) for (q = 0; q < kw; q++) {
      terms.push(t(c.x[(top + r) * c.w + left + q], dx) + "·" + t(c.k[r * kw + q], dk));
    }
    cap = "output[" + i + ", " + j + "] = " + terms.join(" + ") + " = " + f(val, d);
  } else {
    var bf = k ? replay(c, k - 1)[0] : null;
    var g = grid("upstream gradient δ", c.oh, c.ow, function (r, q) {
      return cell(r * c.ow + q <= k ? cls(lv(c.g[r * c.ow + q], c.mg), r == i && q == j ? "c" : "") : "e",
        f(c.g[r * c.ow + q], dg));
    }, "src");
    var pp2 = grid("δ[" + i + ", " + j + "] · w", kh, kw, function (r, q) {
      return cell(cls(lv(pr[r * kw + q], c.mp), "w"), f(pr[r * kw + q], d), t(val, dg) + "×" + t(c.k[r * kw + q], dk));
    }, "wide prod");
    var sm = grid("new dx = before + δ·w", kh, kw, function (r, q) {
      var a = gr[top + r][left + q];
      return cell(cls(pc(top + r, left + q) ? "p" : lv(a, c.my), "w"), f(a, d),
        f(bf ? bf[top + r][left + q] : 0, d) + "+" + t(pr[r * kw + q], d));
    }, "wide sum");
    var gx = grid("input gradient dx" + padded, c.h, c.w, function (r, q) {
      return cell(cls(pc(r, q) ? "p" : fl[r][q] ? lv(gr[r][q], c.my) : "e", win(r, q) ? "w" : ""), f(gr[r][q], d), "",
        foc(r, q, top, left));
    }, "out");
    panels = g + pair("×", kern) + pair("=", pp2) + pair("→ +=", sm) + pair("→", gx);
    info = "δ " + c.oh + "×" + c.ow + " · kernel " + kh + "×" + kw + " · padding " + p + " · stride " + c.s
      + " → dx " + H + "×" + W + (p ? " (the grey border is padding: its gradient is dropped)" : "");
    cap = "δ[" + i + ", " + j + "] = " + f(val, dg) + " flows back through the kernel: dx[" + top + ":" + (top + kh)
      + ", " + left + ":" + (left + kw) + "] += " + t(val, dg) + "·w" + (p ? " (padded coordinates)" : "");
  }
  V.innerHTML = '<p class="dls-info">' + info + '</p><div class="dls-panels">' + panels + "</div>";
  return ["step " + (k + 1) + " of " + c.t.length + ": " + cap, (fwd ? "output" : "δ") + "[" + i + ", " + j + "]"];
}

// Pointing at (or focusing) a cell of the output grid marks with class "h" the cells of the source grid it
// depends on: forward, its window of the input; backward, the δ cells whose windows cover that dx cell.
var hot = null;  // [row, column] of the output cell pointed at or focused
function outCell(e) {
  var td = e.target.closest ? e.target.closest("td") : null;
  return td && V.contains(td) && td.closest("table").classList.contains("out") ? td : null;
}
function mark() {
  var c = combo(), src = V.querySelector("table.src"), out = V.querySelector("table.out");
  [].forEach.call(V.querySelectorAll("td.h"), function (e) { e.classList.remove("h"); });
  if (!hot || !src) return;
  out.rows[hot[0]].cells[hot[1]].classList.add("h");
  var r, q, i, j;
  if (fwd) {
    for (r = 0; r < c.kh; r++) for (q = 0; q < c.kw; q++) src.rows[hot[0] * c.s + r].cells[hot[1] * c.s + q].classList.add("h");
  } else {
    for (i = 0; i < c.oh; i++) for (j = 0; j < c.ow; j++) {
      r = hot[0] - i * c.s; q = hot[1] - j * c.s;
      if (r >= 0 && r < c.kh && q >= 0 && q < c.kw) src.rows[i].cells[j].classList.add("h");
    }
  }
}
function point(e) {
  var td = outCell(e);
  hot = td ? [td.parentNode.rowIndex, td.cellIndex] : null;
  mark();
}
V.addEventListener("mouseover", point);
V.addEventListener("focusin", point);
V.addEventListener("mouseleave", function () { hot = null; mark(); });
V.addEventListener("focusout", function (e) { if (!e.relatedTarget || !V.contains(e.relatedTarget)) { hot = null; mark(); } });
V.addEventListener("keydown", function (e) {  // arrow keys move between the output cells
  var td = outCell(e), m = {ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1]}[e.key];
  if (!td || !m) return;
  var rows = td.closest("tbody").rows, r = td.parentNode.rowIndex + m[0], q = td.cellIndex + m[1];
  if (r >= 0 && r < rows.length && q >= 0 && q < rows[r].cells.length) rows[r].cells[q].focus();
  e.preventDefault();
});
stepper(function () { return combo().t.length; }, function (k) {
  var a = document.activeElement, at = a && V.contains(a) && a.tagName == "TD" ? [a.parentNode.rowIndex, a.cellIndex] : null;
  var s = draw(k);
  if (at) {  // the grid was redrawn under the focused cell: focus the same cell again
    var out = V.querySelector("table.out");
    if (out.rows[at[0]] && out.rows[at[0]].cells[at[1]]) out.rows[at[0]].cells[at[1]].focus();
  }
  if (hot && !(V.querySelector("table.out").rows[hot[0]] || {cells: []}).cells[hot[1]]) hot = null;
  mark();
  return s;
});

(function () {
  var R = document.getElementById("__ID__");
  if (!R || R.getAttribute("data-ready")) return;  // a second copy of the same id is left as drawn
  R.setAttribute("data-ready", "1");
  var D = __DATA__;
  var V = R.querySelector(".dls-view"), P = R.querySelector("input[type=range]");
  var K = R.querySelector(".dls-kernel"), A = R.querySelector(".dls-pad"), S = R.querySelector(".dls-stride");
  function ix(e) { return e ? parseInt(e.value, 10) : 0; }
  function f(v, e) {  // fixed decimals, no "-0", a real minus sign
    var s = v.toFixed(e);
    if (/^-0(\.0+)?$/.test(s)) s = s.slice(1);
    return s.replace("-", "\u2212");
  }
  function t(v, e) { var s = f(v, e); return s.charAt(0) == "\u2212" ? "(" + s + ")" : s; }
  function cell(c, v, sm) {
    return "<td" + (c ? ' class="' + c + '"' : "") + ">" + (v === null ? "" : '<span class="v">' + v + "</span>")
      + (sm ? '<span class="s">' + sm + "</span>" : "") + "</td>";
  }
  function grid(title, rows, cols, fn, wide) {
    var h = "";
    for (var r = 0; r < rows; r++) {
      h += "<tr>";
      for (var q = 0; q < cols; q++) h += fn(r, q);
      h += "</tr>";
    }
    return '<div class="dls-panel"><div class="dls-title">' + title + '</div><table class="g'
      + (wide ? " wide" : "") + '"><tbody>' + h + "</tbody></table></div>";
  }
  function pair(o, x) { return '<div class="dls-pair"><div class="dls-op">' + o + "</div>" + x + "</div>"; }
  function cls() {
    var a = [];
    for (var n = 0; n < arguments.length; n++) if (arguments[n]) a.push(arguments[n]);
    return a.join(" ");
  }
  function draw() {
    var c = D.c[(ix(K) * D.np + ix(A)) * D.ns + ix(S)], T = c.t.length, d = c.d, dx = c.dx, dk = c.dk, dg = c.dg;
    P.max = String(T - 1);
    var k = Math.min(parseInt(P.value, 10), T - 1);
    var kh = c.kh, kw = c.kw, n = kh * kw, st = c.t[k], i = st[0], j = st[1], top = st[2], left = st[3];
    var val = st[4], pr = st.slice(5, 5 + n), p = c.p, H = c.h - 2 * p, W = c.w - 2 * p, fwd = D.mode == "forward";
    // replay steps 0..k: the output cells written so far, or the window values of dx after each step
    var gr = [], fl = [], rows = fwd ? c.oh : c.h, cols = fwd ? c.ow : c.w, r, q, m;
    for (r = 0; r < rows; r++) {
      gr.push([]); fl.push([]);
      for (q = 0; q < cols; q++) { gr[r].push(0); fl[r].push(false); }
    }
    for (m = 0; m <= k; m++) {
      var s = c.t[m];
      if (fwd) { gr[s[0]][s[1]] = s[4]; fl[s[0]][s[1]] = true; }
      else for (r = 0; r < kh; r++) for (q = 0; q < kw; q++) {
        gr[s[2] + r][s[3] + q] = s[5 + n + r * kw + q]; fl[s[2] + r][s[3] + q] = true;
      }
    }
    function win(r, q) { return r >= top && r < top + kh && q >= left && q < left + kw; }
    function pc(r, q) { return r < p || q < p || r >= c.h - p || q >= c.w - p; }
    var padded = p ? " (padded)" : "", panels, info, cap;
    var kern = grid("kernel w", kh, kw, function (r, q) { return cell("", f(c.k[r * kw + q], dk)); });
    if (fwd) {
      var x = grid("input x" + padded, c.h, c.w, function (r, q) {
        return cell(cls(pc(r, q) ? "p" : "", win(r, q) ? "w" : ""), f(c.x[r * c.w + q], dx));
      });
      var pp = grid("window × kernel", kh, kw, function (r, q) {
        return cell("w", f(pr[r * kw + q], d), t(c.x[(top + r) * c.w + left + q], dx) + "×" + t(c.k[r * kw + q], dk));
      }, 1);
      var out = grid("output", c.oh, c.ow, function (r, q) {
        return cell(r == i && q == j ? "c" : fl[r][q] ? "" : "e", fl[r][q] ? f(gr[r][q], d) : null);
      });
      panels = x + pair("⊙", kern) + pair("=", pp) + pair("→ Σ", out);
      info = "input " + H + "×" + W + " · kernel " + kh + "×" + kw + " · padding " + p + " · stride " + c.s
        + " → output " + c.oh + "×" + c.ow;
      var terms = [];
      for (r = 0; r < kh; r++) for (q = 0; q < kw; q++) {
        terms.push(t(c.x[(top + r) * c.w + left + q], dx) + "·" + t(c.k[r * kw + q], dk));
      }
      cap = "output[" + i + ", " + j + "] = " + terms.join(" + ") + " = " + f(val, d);
    } else {
      var g = grid("upstream gradient δ", c.oh, c.ow, function (r, q) {
        return cell(r == i && q == j ? "c" : r * c.ow + q < k ? "" : "e", f(c.g[r * c.ow + q], dg));
      });
      var pp2 = grid("δ[" + i + ", " + j + "] · w", kh, kw, function (r, q) {
        return cell("w", f(pr[r * kw + q], d), t(val, dg) + "×" + t(c.k[r * kw + q], dk));
      }, 1);
      var gx = grid("input gradient dx" + padded, c.h, c.w, function (r, q) {
        return cell(cls(pc(r, q) ? "p" : "", win(r, q) ? "w" : "", fl[r][q] ? "" : "e"), f(gr[r][q], d));
      });
      panels = g + pair("×", kern) + pair("=", pp2) + pair("→ +=", gx);
      info = "δ " + c.oh + "×" + c.ow + " · kernel " + kh + "×" + kw + " · padding " + p + " · stride " + c.s
        + " → dx " + H + "×" + W + (p ? " (the grey border is padding: its gradient is dropped)" : "");
      cap = "δ[" + i + ", " + j + "] = " + f(val, dg) + " flows back through the kernel: dx[" + top + ":" + (top + kh)
        + ", " + left + ":" + (left + kw) + "] += " + t(val, dg) + "·w" + (p ? " (padded coordinates)" : "");
    }
    V.innerHTML = '<p class="dls-info">' + info + " · step " + (k + 1) + " of " + T + '</p><div class="dls-panels">'
      + panels + '</div><p class="dls-caption" aria-live="polite">' + cap + "</p>";
  }
  P.addEventListener("input", draw);
  P.addEventListener("change", draw);
  [K, A, S].forEach(function (e) {
    if (e) { e.addEventListener("change", draw); e.addEventListener("input", draw); }
  });
})();

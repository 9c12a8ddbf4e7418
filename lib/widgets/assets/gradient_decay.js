// The gradient-decay widget: the browser twin of render, caption and their helpers in gradient_decay.py,
// drawing the same SVG from the same precomputed curves. Uses R, D, f and stepper (widget.js).
var V = R.querySelector(".dls-view"), P = R.querySelector(".dls-pos");
var SEL = {cell: R.querySelector(".dls-cell"), act: R.querySelector(".dls-act"), fb: R.querySelector(".dls-fb"),
  T: R.querySelector(".dls-len"), tr: R.querySelector(".dls-tr")};
var VW = 480, VH = 290, PL = 64, PR = 14, PT = 30, PB = 46, PW = VW - PL - PR, PH = VH - PT - PB;
var SUPS = {"-": "\u207b", "0": "\u2070", "1": "\u00b9", "2": "\u00b2", "3": "\u00b3", "4": "\u2074", "5": "\u2075",
  "6": "\u2076", "7": "\u2077", "8": "\u2078", "9": "\u2079"};
function sup(n) { return String(n).replace(/[-0-9]/g, function (c) { return SUPS[c]; }); }
function sub(n) { return String(n).replace(/[0-9]/g, function (c) { return String.fromCharCode(0x2080 + +c); }); }
function c1(v) { var n = Math.floor(v * 10 + 0.5); return Math.floor(n / 10) + "." + (n % 10); }
function sci(L) {
  if (L === null) return "0";
  var e = Math.floor(L), s = Math.pow(10, L - e).toFixed(1);
  if (s == "10.0") { e += 1; s = "1.0"; }
  return e == 0 ? s : s + "\u00d710" + sup(e);
}
function decade(e) { return e == 0 ? "1" : "10" + sup(e); }
function tickStep(span) {
  var a = [1, 2, 5, 10, 20];
  for (var n = 0; n < a.length; n++) if (span / a[n] <= 7) return a[n];
  return 20;
}
function first(T, k) { return k > 0 && k < T ? T - k : 0; }
function ix(e) { return parseInt(e.value, 10) || 0; }
function state() {
  return {cell: ix(SEL.cell), act: ix(SEL.act), fb: ix(SEL.fb), T: ix(SEL.T), rho: parseInt(P.value, 10) || 0,
    tr: ix(SEL.tr)};
}
function variant(s) { return s.cell == 0 ? s.act : s.cell == 1 ? D.act.length + s.fb : D.act.length + D.fb.length; }
function curve(s) { return D.v[(variant(s) * D.T.length + s.T) * D.rho.length + s.rho]; }
function what(s) {
  if (s.cell == 0) return D.act[s.act] + " RNN";
  if (s.cell == 1) return "LSTM, forget bias " + f(D.fb[s.fb], 0);
  return "GRU";
}
function render(s, logs) {
  var T = D.T[s.T], k = D.tr[s.tr], lr = D.lr[s.rho], lo = D.lo[s.T], hi = D.hi[s.T], t0 = first(T, k);
  function x(t) { return PL + PW * t / (T - 1); }
  function y(L) { L = L === null ? lo : Math.min(Math.max(L, lo), hi); return PT + PH * (hi - L) / (hi - lo); }
  var h = "", step = tickStep(hi - lo), e, t;
  for (e = lo; e <= hi; e += step) {
    h += '<line class="gd-grid" x1="' + PL + '" x2="' + (VW - PR) + '" y1="' + c1(y(e)) + '" y2="' + c1(y(e)) + '"></line>'
      + '<text x="' + (PL - 6) + '" y="' + c1(y(e) + 4) + '" text-anchor="end">' + decade(e) + "</text>";
  }
  var xstep = {10: 3, 25: 6, 50: 10, 100: 20}[T] || Math.max(1, Math.floor(T / 5)), ticks = [];
  for (t = 0; t < T - 1; t += xstep) ticks.push(t);
  ticks.push(T - 1);
  ticks.forEach(function (t) {
    if (t == T - 1 || T - 1 - t >= xstep / 2) {
      h += '<line class="gd-axis" x1="' + c1(x(t)) + '" x2="' + c1(x(t)) + '" y1="' + (VH - PB) + '" y2="' + (VH - PB + 5)
        + '"></line><text x="' + c1(x(t)) + '" y="' + (VH - PB + 19) + '" text-anchor="middle">' + t + "</text>";
    }
  });
  h += '<line class="gd-axis" x1="' + PL + '" x2="' + (VW - PR) + '" y1="' + (VH - PB) + '" y2="' + (VH - PB) + '"></line>'
    + '<line class="gd-axis" x1="' + PL + '" x2="' + PL + '" y1="' + PT + '" y2="' + (VH - PB) + '"></line>'
    + '<text x="' + (PL + PW / 2).toFixed(0) + '" y="' + (VH - 8) + '" text-anchor="middle">time step t (the loss is at t = '
    + (T - 1) + ")</text>";
  if (t0 > 0) {
    h += '<rect class="gd-cut" x="' + PL + '" y="' + PT + '" width="' + c1(x(t0) - PL) + '" height="' + PH + '"></rect>';
    if (t0 / (T - 1) > 0.2) h += '<text class="gd-cut-t" x="' + (PL + 6) + '" y="' + (PT + 16) + '">no gradient</text>';
  }
  var ref = [], line = [];
  for (t = t0; t < T; t++) {
    ref.push((t == t0 ? "M" : "L") + c1(x(t)) + " " + c1(y((T - 1 - t) * lr)));
    line.push((t == t0 ? "M" : "L") + c1(x(t)) + " " + c1(y(logs[t])));
  }
  h += '<path class="gd-ref" d="' + ref.join(" ") + '"></path><path class="gd-curve" d="' + line.join(" ") + '"></path>';
  var title = '<text class="gd-title" x="' + PL + '" y="18">ρ = ' + f(D.rho[s.rho], 2) + " · T = " + T + " · " + what(s)
    + "</text>";
  return '<svg class="gd-plot" viewBox="0 0 ' + VW + " " + VH + '" role="img" aria-label="' + D.alt + '" data-first="'
    + (logs[t0] === null ? "none" : f(logs[t0], D.dec)) + '" data-t0="' + t0 + '">' + title + h + "</svg>";
}
function caption(s, logs) {
  var T = D.T[s.T], k = D.tr[s.tr], lr = D.lr[s.rho], t0 = first(T, k), n = T - 1 - t0;
  var text = what(s) + ", T = " + T + ", ρ = " + f(D.rho[s.rho], 2) + ": ‖∂L/∂h" + sub(t0) + "‖ / ‖∂L/∂h" + sub(T - 1)
    + "‖ = " + sci(logs[t0]) + " after " + n + " steps back";
  if (t0 > 0) text += " (truncation " + k + ": h₀ … h" + sub(t0 - 1) + " get no gradient)";
  text += "; ρ" + sup(n) + " = " + sci(+(n * lr).toFixed(D.dec));  // rounded as the curve is
  return text + (s.cell == 0 ? ", the rate the spectral radius predicts." : D.gated);
}
// choosing an activation means the vanilla RNN, choosing a forget-gate bias the LSTM (before stepper redraws)
["change", "input"].forEach(function (ev) {
  SEL.act.addEventListener(ev, function () { SEL.cell.value = "0"; });
  SEL.fb.addEventListener(ev, function () { SEL.cell.value = "1"; });
});
stepper(function () { return D.rho.length; }, function (k) {
  var s = state(), logs = curve(s);
  V.innerHTML = render(s, logs);
  return [caption(s, logs), "ρ = " + f(D.rho[s.rho], 2)];
});

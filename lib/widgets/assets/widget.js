// What every widget's script shares. common.py puts this file and the widget's own script into one function
// scope, with "__ID__" replaced by the widget's id and __DATA__ by its data. The number and markup helpers are
// twins of those in common.py: both languages draw the same characters from the same numbers.
var R = document.getElementById("__ID__");
if (!R || R.getAttribute("data-ready")) return;  // a second copy of the same id is left as drawn
R.setAttribute("data-ready", "1");
var D = __DATA__;
function f(v, e) {  // fixed decimals, no "-0", a real minus sign
  var s = v.toFixed(e);
  if (/^-0(\.0+)?$/.test(s)) s = s.slice(1);
  return s.replace("-", "\u2212");
}
function t(v, e) { var s = f(v, e); return s.charAt(0) == "\u2212" ? "(" + s + ")" : s; }
function lv(v, m) {  // colour class on the diverging scale from -m to m
  if (!m || !v) return "";
  return (v > 0 ? "pos" : "neg") + Math.min(4, Math.ceil(Math.abs(v) / m * 4));
}
function cls() {
  var a = [];
  for (var n = 0; n < arguments.length; n++) if (arguments[n]) a.push(arguments[n]);
  return a.join(" ");
}
function cell(c, v, sm, at) {
  return "<td" + (c ? ' class="' + c + '"' : "") + (at || "") + ">"
    + (v === null ? "" : '<span class="v">' + v + "</span>") + (sm ? '<span class="s">' + sm + "</span>" : "") + "</td>";
}
function grid(title, rows, cols, fn, c) {
  var h = "";
  for (var r = 0; r < rows; r++) {
    h += "<tr>";
    for (var q = 0; q < cols; q++) h += fn(r, q);
    h += "</tr>";
  }
  return '<div class="dls-panel"><div class="dls-title">' + title + '</div><table class="' + cls("g", c)
    + '"><tbody>' + h + "</tbody></table></div>";
}
// The step controls: slider, previous / play / next, "4 of 25", the slider's aria-valuetext and the caption
// (a live region). count() is the number of steps of what the other controls chose; draw(k) draws state k and
// returns [caption, what the slider stands for at k]. Returns the function that redraws.
function stepper(count, draw) {
  var P = R.querySelector(".dls-pos"), N = R.querySelector(".dls-step"), C = R.querySelector(".dls-caption");
  var B = R.querySelector(".dls-prev"), F = R.querySelector(".dls-next"), Y = R.querySelector(".dls-play");
  var PLAY = Y.innerHTML, PAUSE = '<span aria-hidden="true">\u275a\u275a</span> pause', timer = null;
  function at() { return parseInt(P.value, 10) || 0; }
  function show() {
    var n = count(), k = Math.min(at(), n - 1);
    P.max = String(n - 1);
    P.value = String(k);
    var s = draw(k), st = (k + 1) + " of " + n;
    P.setAttribute("aria-valuetext", s[1] + ", step " + st);
    N.textContent = st;
    C.textContent = s[0];
    B.setAttribute("aria-disabled", k == 0 ? "true" : "false");
    F.setAttribute("aria-disabled", k >= n - 1 ? "true" : "false");
  }
  function go(k) { P.value = String(Math.max(0, Math.min(k, count() - 1))); show(); }
  function stop() {
    if (timer === null) return;
    clearInterval(timer);
    timer = null;
    Y.innerHTML = PLAY;
  }
  function tick() { if (at() >= count() - 1) stop(); else go(at() + 1); }
  B.addEventListener("click", function () { stop(); go(at() - 1); });
  F.addEventListener("click", function () { stop(); go(at() + 1); });
  Y.addEventListener("click", function () {
    if (timer !== null) return stop();
    if (at() >= count() - 1) go(0);  // from the last step, play again from the first
    Y.innerHTML = PAUSE;
    timer = setInterval(tick, 700);
  });
  P.addEventListener("input", function () { stop(); show(); });
  P.addEventListener("change", show);
  [].forEach.call(R.querySelectorAll("select"), function (e) {
    e.addEventListener("change", show);
    e.addEventListener("input", show);
  });
  return show;
}

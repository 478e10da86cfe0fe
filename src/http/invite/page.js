// The invitation page: start a link, then follow it over Server-Sent
// Events. Shipped by walink itself; it loads nothing from elsewhere.
"use strict";
(function () {
  var $ = function (id) { return document.getElementById(id); };
  var form = $("form");
  if (!form) return; // the "no longer valid" page has nothing to do
  var T = JSON.parse($("strings").textContent);
  var fixed = document.body.dataset.method;
  var lang = document.documentElement.lang;
  var tz = -new Date().getTimezoneOffset();
  var base = location.pathname.replace(/\/+$/, "");
  var go = $("go"), phone = $("phone"), phoneRow = $("phone-row");
  var error = $("error"), done = $("done"), codeBox = $("code"), qrBox = $("qr");
  var current = null, timer = null, finished = false, lastQr = null;

  function show(el, on) { if (el) el.hidden = !on; }

  function method() {
    if (fixed !== "any") return fixed;
    var r = form.querySelector("input[name=method]:checked");
    return r ? r.value : "code";
  }

  function ready() {
    go.disabled = false;
    go.textContent = method() === "qr" ? T.show_qr : T.get_code;
    show(phoneRow, method() === "code");
  }

  function stopTimer() {
    if (timer) clearInterval(timer);
    timer = null;
  }

  function backToForm(message) {
    stopTimer();
    current = null;
    lastQr = null;
    show(codeBox, false);
    show(qrBox, false);
    form.hidden = false;
    ready();
    if (message) {
      error.textContent = message;
      show(error, true);
    }
  }

  function countdown(el, secs, onEnd) {
    stopTimer();
    var deadline = Date.now() + secs * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      el.textContent = T.left.replace("{s}", left);
      if (left === 0) {
        stopTimer();
        if (onEnd && !finished) onEnd();
      }
    };
    tick();
    timer = setInterval(tick, 1000);
  }

  // "The code for +7 900 123-45-67.", the number in one piece.
  function codeFor(number) {
    var parts = T.code_for.split("{phone}");
    var n = document.createElement("span");
    n.className = "number";
    n.textContent = number;
    $("code-for").replaceChildren(parts[0], n, parts[1] || "");
  }

  function render(s) {
    if (finished) return;
    current = s.attempt;
    form.hidden = true;
    show(error, false);
    if (s.method === "code") {
      show(qrBox, false);
      show(codeBox, true);
      $("code-text").textContent = s.code;
      if (s.phone) codeFor(s.phone);
      $("copy").textContent = $("copy").dataset.label || $("copy").textContent;
      countdown($("code-left"), s.expires_in, function () { backToForm(T.code_expired); });
    } else {
      show(codeBox, false);
      show(qrBox, true);
      // The start answer and the live stream both bring the first QR.
      if (s.svg === lastQr) return;
      lastQr = s.svg;
      var doc = new DOMParser().parseFromString(s.svg, "image/svg+xml");
      var svg = document.importNode(doc.documentElement, true);
      svg.setAttribute("role", "img");
      var box = $("qr-img");
      box.replaceChildren(svg);
      box.dataset.shown = String(Number(box.dataset.shown || 0) + 1);
      // The next QR comes by itself; only its absence is news.
      countdown($("qr-left"), s.expires_in, null);
    }
  }

  function finish(message, state) {
    finished = true;
    stopTimer();
    show(codeBox, false);
    show(qrBox, false);
    show(error, false);
    form.hidden = true;
    done.textContent = message;
    done.dataset.state = state;
    show(done, true);
  }

  form.addEventListener("change", ready);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (finished) return;
    go.disabled = true;
    go.textContent = T.waiting;
    show(error, false);
    var body = { method: method(), lang: lang, tz: tz };
    if (phone) body.phone = phone.value;
    fetch(base + "/start", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin"
    })
      .then(function (r) {
        return r.json().then(function (j) { return { ok: r.ok, j: j }; });
      })
      .then(function (a) {
        if (a.ok) render(a.j);
        else backToForm(a.j.error.message);
      })
      .catch(function () { backToForm(T.offline); });
  });

  var copy = $("copy");
  copy.dataset.label = copy.textContent;
  copy.addEventListener("click", function () {
    var code = $("code-text").textContent;
    var copied = function () { copy.textContent = T.copied; };
    var select = function () {
      var range = document.createRange();
      range.selectNodeContents($("code-text"));
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      try { if (document.execCommand("copy")) copied(); } catch (err) { /* selected: the user copies */ }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(code).then(copied, select);
    } else {
      select();
    }
  });

  // A number the invitation names cannot be typed again.
  var wrong = $("wrong-number");
  if (phone && phone.hasAttribute("data-locked")) show(wrong, false);
  wrong.addEventListener("click", function () {
    backToForm(null);
    if (phone) { phone.focus(); phone.select(); }
  });

  var useCode = $("use-code");
  if (useCode) {
    useCode.addEventListener("click", function () {
      var r = form.querySelector("input[name=method][value=code]");
      if (r) r.checked = true;
      backToForm(null);
    });
  }

  var events = new EventSource(base + "/events?lang=" + encodeURIComponent(lang) + "&tz=" + tz);
  var on = function (name, f) {
    events.addEventListener(name, function (ev) { f(JSON.parse(ev.data)); });
  };
  on("shown", render);
  on("linked", function (d) { finish(d.message, "linked"); });
  on("connected", function (d) { finish(d.message, "connected"); });
  on("failed", function (d) {
    if (!finished && d.attempt === current) backToForm(d.message);
  });
  events.addEventListener("error", function () {
    // Closed for good (the invitation was used or revoked): stop asking.
    if (events.readyState === EventSource.CLOSED && !finished) backToForm(T.offline);
  });

  ready();
})();

/* Handheld behaviour: keep the scan input focused, give every submission a scan id
   (the same id until the server answers, so pressing Enter twice is safe), and
   answer every scan with a sound, a colour and a vibration. No dependencies but htmx. */
(function () {
  "use strict";
  var audio = null;
  window.wmsFeedback = [];  // what the worker was told, newest last (browser tests read it)

  function tone(freq, ms, type) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = type; osc.frequency.value = freq;
      gain.gain.value = 0.25;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + ms / 1000);
    } catch (e) { /* no audio on this device: colour and vibration still tell */ }
  }

  function signal(result) {
    window.wmsFeedback.push(result);
    document.body.dataset.feedback = result;
    document.body.classList.remove("flash-ok", "flash-attention", "flash-bad");
    void document.body.offsetWidth;  // restart the CSS animation
    document.body.classList.add(result === "ok" ? "flash-ok" : result === "attention" ? "flash-attention" : "flash-bad");
    if (result === "ok") {
      tone(1760, 90, "sine");
      if (navigator.vibrate) navigator.vibrate(40);
    } else if (result === "attention") {
      // accepted, but not the normal path: two rising mid tones, unlike the good chirp and the error buzz
      tone(660, 120, "triangle");
      setTimeout(function () { tone(880, 160, "triangle"); }, 150);
      if (navigator.vibrate) navigator.vibrate([60, 60, 60]);
    } else {
      tone(220, 450, "square");
      if (navigator.vibrate) navigator.vibrate([200, 80, 200]);
    }
  }
  window.wmsSignal = signal;

  function focusInput() {
    var screen = document.getElementById("screen") || document.body;
    var input = screen.querySelector("input[autofocus]:not([type=hidden])") ||
                screen.querySelector("input.scan-input");
    if (input && document.activeElement !== input) {
      input.focus({ preventScroll: true });
      if (input.select) input.select();
    }
  }
  window.wmsFocus = focusInput;

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.body.classList.contains("hh")) return;
    focusInput();
    // A tap anywhere that is not a control puts the cursor back in the scan input.
    document.addEventListener("click", function (e) {
      if (!e.target.closest("a, button, input, select, textarea, label")) focusInput();
    });
  });

  document.addEventListener("htmx:configRequest", function (e) {
    var form = e.detail.elt.closest ? e.detail.elt.closest("form") : null;
    if (!form || e.detail.verb === "get") return;
    var value = new URLSearchParams(new FormData(form)).toString();
    if (!form.dataset.scanId || form.dataset.scanValue !== value) {
      form.dataset.scanId = newId();
      form.dataset.scanValue = value;
    }
    e.detail.parameters["scan_id"] = form.dataset.scanId;
  });

  // Scanning MENU (a card at every station) from any screen goes back to the menu, as the ☰ Menu button does.
  document.addEventListener("htmx:beforeRequest", function (e) {
    var form = e.detail.elt.closest ? e.detail.elt.closest("form") : null;
    var input = form ? form.querySelector("input[name=scan]") : null;
    var status = document.getElementById("status");
    var menu = status && status.dataset.menuUrl;
    if (input && menu && input.value.trim().toUpperCase() === "MENU") {
      e.preventDefault();
      window.location.assign(menu);
    }
  });

  document.addEventListener("htmx:afterRequest", function (e) {
    var xhr = e.detail.xhr;
    if (!xhr || !xhr.status) return;
    var form = e.detail.elt.closest ? e.detail.elt.closest("form") : null;
    if (form) { delete form.dataset.scanId; delete form.dataset.scanValue; }
    var result = xhr.getResponseHeader("X-Scan-Result");
    if (result) signal(result);
    else if (xhr.status >= 400 && xhr.status !== 401) signal("bad");
    // An error shown above the screen (409: another handheld was changing the same thing) leaves the screen and
    // the text scanned as they were: the text is selected, so that Enter sends it again and the next scan
    // replaces it instead of being added to it.
    if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget") === "#request-error") selectScanned(form);
  });

  function selectScanned(form) {
    var input = form ? form.querySelector("input[name=scan]") : null;
    if (input && input.select) input.select();
  }

  document.addEventListener("htmx:sendError", function (e) {
    signal("bad");
    selectScanned(e.detail.elt.closest ? e.detail.elt.closest("form") : null);
    var screen = document.getElementById("screen");
    var note = document.getElementById("network-error");
    if (screen && !note) {
      note = document.createElement("p");
      note.id = "network-error"; note.className = "error"; note.setAttribute("role", "alert");
      note.textContent = document.documentElement.lang === "pt-BR"
        ? "Sem rede: pressione Enter de novo." : "No network: press Enter again.";
      screen.prepend(note);
    }
  });

  // A fresh screen clears an error shown above the previous one.
  document.addEventListener("htmx:afterSwap", function (e) {
    var box = document.getElementById("request-error");
    if (box && e.detail.target && e.detail.target.id !== "request-error") box.innerHTML = "";
  });

  document.addEventListener("htmx:afterSettle", focusInput);
})();

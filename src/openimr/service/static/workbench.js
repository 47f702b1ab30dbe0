// The workbench's only script: selecting a criterion highlights the evidence it quotes.
// Without it the page still reads (the marks are there, just not toggled).
(function () {
  "use strict";

  function marksOf(key) {
    return Array.prototype.filter.call(
      document.querySelectorAll("mark[data-criterion]"),
      function (mark) { return mark.getAttribute("data-criterion") === key; }
    );
  }

  function select(button) {
    var key = button.getAttribute("data-criterion");
    document.querySelectorAll("mark.active").forEach(function (mark) {
      mark.classList.remove("active");
      mark.removeAttribute("aria-current");
    });
    document.querySelectorAll("button.criterion[data-criterion]").forEach(function (other) {
      other.setAttribute("aria-pressed", other === button ? "true" : "false");
    });
    var marks = marksOf(key);
    marks.forEach(function (mark) {
      mark.classList.add("active");
      mark.setAttribute("aria-current", "true");
    });
    var status = document.getElementById("mark-status");
    if (status) {
      status.textContent = marks.length
        ? marks.length + (marks.length === 1 ? " passage" : " passages") + " highlighted in the source text"
        : "No passage quoted for this criterion";
    }
    if (marks.length) {
      marks[0].scrollIntoView({ block: "center", inline: "nearest" });
    }
  }

  function start() {
    document.querySelectorAll("button.criterion[data-criterion]").forEach(function (button) {
      // A button: Enter and Space click it, so one listener serves mouse and keyboard.
      button.addEventListener("click", function () { select(button); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/* Tells the Saleor dashboard the order widget's height (App Bridge `widgetResize`), on load and
   on every change, so the iframe grows to its content instead of cutting it off. */
(function () {
  "use strict";

  var root = document.getElementById("widget-root");
  if (!root || window.parent === window) return;
  var last = 0;

  function actionId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function report() {
    var height = Math.ceil(Math.max(root.getBoundingClientRect().height, root.scrollHeight));
    if (!(height > 0) || height === last) return;
    last = height;
    window.parent.postMessage({ type: "widgetResize", payload: { actionId: actionId(), height: height } }, "*");
  }

  report();
  if (window.ResizeObserver) new window.ResizeObserver(report).observe(root);
  window.addEventListener("load", report);
})();

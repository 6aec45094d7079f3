/* Reverse OTP merchant dashboard: App Bridge handshake, merchant API calls, rendering.
   Every string from the API goes through textContent, never innerHTML. */
(function () {
  "use strict";

  var params = new URLSearchParams(window.location.search);
  var apiUrl = document.body.getAttribute("data-api-url");
  var state = {
    token: null,
    saleorVersion: "",
    saleorApiUrl: params.get("saleorApiUrl") || "",
    waiters: [],
    section: "overview",
    ordersFilter: "HELD",
    settings: null,
    channels: [],
    rules: [],
    locale: params.get("locale") || document.documentElement.lang || "en",
  };

  /* ---------- App Bridge ---------- */

  function originOf(url) {
    try { return new URL(url).origin; } catch (e) { return null; }
  }

  function trustedOrigins() {
    var found = [];
    [state.saleorApiUrl, document.referrer].forEach(function (url) {
      var origin = url ? originOf(url) : null;
      if (origin && found.indexOf(origin) < 0) found.push(origin);
    });
    var domain = params.get("domain");
    if (domain) {
      ["https://", "http://"].forEach(function (scheme) {
        var origin = originOf(scheme + domain);
        if (origin && found.indexOf(origin) < 0) found.push(origin);
      });
    }
    return found;
  }

  function actionId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function sendAction(type, payload) {
    if (window.parent === window) return;
    var message = { type: type, payload: Object.assign({ actionId: actionId() }, payload || {}) };
    window.parent.postMessage(message, "*");
  }

  function setTheme(theme) {
    document.documentElement.setAttribute("data-theme", theme === "dark" ? "dark" : "light");
  }

  function setToken(token) {
    if (typeof token !== "string" || token.split(".").length !== 3) return;
    state.token = token;
    var waiters = state.waiters;
    state.waiters = [];
    waiters.forEach(function (resolve) { resolve(token); });
  }

  function onMessage(event) {
    if (trustedOrigins().indexOf(event.origin) < 0) return;
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.type !== "string") return;
    var payload = data.payload || {};
    if (data.type === "handshake") {
      var first = state.token === null;
      setToken(payload.token);
      if (typeof payload.saleorVersion === "string") state.saleorVersion = payload.saleorVersion;
      if (first) {
        setConnection(true, "Connected to Saleor" + (state.saleorVersion ? " " + state.saleorVersion : ""));
        show(state.section);
      }
    } else if (data.type === "tokenRefresh") {
      setToken(payload.token);
    } else if (data.type === "theme") {
      setTheme(payload.theme);
    } else if (data.type === "localeChanged" && typeof payload.locale === "string") {
      state.locale = payload.locale;
      document.documentElement.lang = payload.locale;
      if (state.token) show(state.section);
    }
  }

  var TOKEN_WAIT_MS = 5000;
  var NOT_IN_SALEOR = "Not connected to Saleor: open Reverse OTP from your Saleor Dashboard (Extensions → Reverse OTP).";

  function outsideSaleor() {
    return window.parent === window || !state.saleorApiUrl;
  }

  function firstToken() {
    /* Inside Saleor the handshake comes at once; without it, fail fast instead of spinning. */
    if (state.token) return Promise.resolve(state.token);
    if (outsideSaleor()) return Promise.reject(new ApiError(401, NOT_IN_SALEOR));
    return nextToken(TOKEN_WAIT_MS, null, NOT_IN_SALEOR);
  }

  function nextToken(timeoutMs, stale, message) {
    /* Resolves with the first token that differs from `stale` (Saleor may repeat one). */
    return new Promise(function (resolve, reject) {
      var done = false;
      function wait() {
        state.waiters.push(function (token) {
          if (done) return;
          if (token === stale) { wait(); return; }
          done = true;
          resolve(token);
        });
      }
      wait();
      setTimeout(function () {
        if (done) return;
        done = true;
        reject(new ApiError(401, message || "Saleor sent no fresh token: reload the page."));
      }, timeoutMs);
    });
  }

  /* ---------- API ---------- */

  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }

  function post(query, variables) {
    return fetch(apiUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Authorization-Bearer": state.token || "",
        "Saleor-Api-Url": state.saleorApiUrl,
      },
      body: JSON.stringify({ query: query, variables: variables || {} }),
      credentials: "omit",
    });
  }

  function api(query, variables) {
    return firstToken().then(function () {
      return post(query, variables);
    }).then(function (response) {
      if (response.status === 401 && state.token) {
        /* The 5-minute token expired: wait for Saleor's tokenRefresh, then retry once. */
        var stale = state.token;
        setConnection(false, "Waiting for a fresh token from Saleor…");
        sendAction("notifyReady", {});
        return nextToken(60000, stale).then(function () {
          return post(query, variables);
        });
      }
      return response;
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          var message = body && body.error ? body.error.message : "HTTP " + response.status;
          setConnection(false, response.status === 403 ? "No permission" : "Not connected");
          throw new ApiError(response.status, message);
        }
        setConnection(true, null);
        if (body.errors && body.errors.length) throw new ApiError(200, body.errors[0].message);
        return body.data;
      });
    });
  }

  /* ---------- DOM helpers ---------- */

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function number(value, digits) {
    return new Intl.NumberFormat(state.locale, { maximumFractionDigits: digits || 0 }).format(value);
  }

  function money(value, currency) {
    try {
      return new Intl.NumberFormat(state.locale, { style: "currency", currency: currency }).format(value);
    } catch (e) { return number(value, 2) + " " + currency; }
  }

  function dateTime(iso) {
    var date = new Date(iso);
    return new Intl.DateTimeFormat(state.locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 90) return number(seconds, 0) + " s";
    return number(seconds / 60, 1) + " min";
  }

  function label(text) {
    return String(text || "").toLowerCase().replace(/_/g, " ").replace(/^./, function (c) { return c.toUpperCase(); });
  }

  function setConnection(ok, text) {
    var node = $("connection");
    node.className = "status " + (ok ? "ok" : "bad");
    if (text) node.textContent = text;
    else if (ok && node.textContent.indexOf("Connected") !== 0) {
      node.textContent = "Connected to Saleor" + (state.saleorVersion ? " " + state.saleorVersion : "");
    }
  }

  function banner(message) {
    var node = $("banner");
    node.textContent = message || "";
    node.hidden = !message;
  }

  function fail(error) {
    banner(error && error.message ? error.message : "Something went wrong.");
  }

  /* ---------- navigation ---------- */

  var loaders = {};

  function show(section) {
    state.section = section;
    Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (tab) {
      if (tab.getAttribute("data-section") === section) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    });
    Array.prototype.forEach.call(document.querySelectorAll(".section"), function (node) {
      node.hidden = node.id !== section;
    });
    banner(null);
    if (state.token && loaders[section]) loaders[section]().catch(fail);
    refreshProblemCount();
  }

  function refreshProblemCount() {
    if (!state.token) return;
    api("query { problems { code } }").then(function (data) {
      var count = $("problem-count");
      count.textContent = String(data.problems.length);
      count.hidden = data.problems.length === 0;
    }).catch(function () { /* shown by the section itself */ });
  }

  function openInSaleor(order) {
    return function (event) {
      if (window.parent === window) return;
      event.preventDefault();
      sendAction("redirect", { to: order.dashboardPath, newContext: false });
    };
  }

  /* ---------- overview ---------- */

  loaders.overview = function () {
    return api("query { overview(days: 30) { held verified expired rejected rejectedByStaff approvedByStaff pendingChallenges medianSecondsToVerify smsReceived saved currency outboundSmsPrice days { day smsReceived verified saved } } }")
      .then(function (data) {
        var o = data.overview;
        var tiles = [
          ["Held now", number(o.held), "orders waiting for an SMS or for you"],
          ["Verified", number(o.verified), "last 30 days"],
          ["Expired", number(o.expired), "last 30 days"],
          ["Rejected", number(o.rejected), "last 30 days, " + number(o.rejectedByStaff) + " of them by staff"],
          ["Approved by staff", number(o.approvedByStaff), "held orders released by a person, last 30 days"],
          ["Median time to verify", duration(o.medianSecondsToVerify), "from code shown to SMS received"],
          ["SMS sent by shoppers", number(o.smsReceived), "last 30 days"],
          ["Not spent on outbound SMS", money(o.saved, o.currency), "at " + money(o.outboundSmsPrice, o.currency) + " per SMS", "wide"],
        ];
        var box = clear($("tiles"));
        tiles.forEach(function (tile) {
          box.appendChild(el("div", { class: "tile " + (tile[3] || "") }, [
            el("div", { class: "label", text: tile[0] }),
            el("div", { class: "value", text: tile[1] }),
            el("div", { class: "hint", text: tile[2] }),
          ]));
        });
        $("savings-note").textContent = "Each SMS a shopper sends replaces one you would have paid to send (" +
          money(o.outboundSmsPrice, o.currency) + " each; change it in Settings).";
        var body = clear($("days"));
        if (!o.days.length) body.appendChild(el("tr", {}, [el("td", { colspan: "4", class: "empty", text: "No shopper SMS yet." })]));
        o.days.forEach(function (d) {
          body.appendChild(el("tr", {}, [
            el("td", { text: d.day }),
            el("td", { class: "num", text: number(d.smsReceived) }),
            el("td", { class: "num", text: number(d.verified) }),
            el("td", { class: "num", text: money(d.saved, o.currency) }),
          ]));
        });
        return loaders.funnel();
      });
  };

  var STEP_WORDS = { shown: "Shown", opened: "Opened", received: "Message received", verified: "Verified", expired: "Expired", rejected: "Rejected" };
  var SVG_NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function funnelChart(steps) {
    var width = 640, row = 34, left = 150, height = steps.length * row + 8;
    var top = Math.max(1, steps.reduce(function (m, s) { return Math.max(m, s.count); }, 0));
    var chart = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": "Funnel chart" });
    chart.appendChild(svg("title", {}, "Challenges per step"));
    steps.forEach(function (s, i) {
      var y = 4 + i * row, w = Math.round((width - left - 90) * s.count / top);
      chart.appendChild(svg("text", { x: 0, y: y + 21, class: "funnel-label" }, STEP_WORDS[s.step] || s.step));
      chart.appendChild(svg("rect", { x: left, y: y + 4, width: Math.max(w, 2), height: row - 10, rx: 4, class: "funnel-bar step-" + s.step }));
      var share = s.conversion === null ? "" : " (" + Math.round(s.conversion * 100) + " %)";
      chart.appendChild(svg("text", { x: left + Math.max(w, 2) + 8, y: y + 21, class: "funnel-value" }, number(s.count) + share));
    });
    return chart;
  }

  function sliceTable(slices, label, steps) {
    if (!slices.length) return el("p", { class: "muted", text: "Nothing yet." });
    var head = el("tr", {}, [el("th", { text: label })].concat(steps.map(function (step) {
      return el("th", { class: "num", text: STEP_WORDS[step] });
    })));
    var rows = slices.map(function (slice) {
      var count = {};
      slice.steps.forEach(function (s) { count[s.step] = s.count; });
      return el("tr", {}, [el("td", { text: slice.key })].concat(steps.map(function (step) {
        return el("td", { class: "num", text: number(count[step] || 0) });
      })));
    });
    return el("table", { class: "table" }, [el("thead", {}, [head]), el("tbody", {}, rows)]);
  }

  loaders.funnel = function () {
    var days = parseInt($("funnel-days").value, 10) || 30;
    return api("query($d: Int!) { funnel(days: $d) { steps { step count conversion medianSeconds } byChannel { key steps { step count } } byCountry { key steps { step count } } openedBy { key count } } }", { d: days })
      .then(function (data) {
        var f = data.funnel;
        clear($("funnel-chart")).appendChild(funnelChart(f.steps));
        var body = clear($("funnel-steps"));
        f.steps.forEach(function (s) {
          body.appendChild(el("tr", { "data-step": s.step }, [
            el("td", { text: STEP_WORDS[s.step] || s.step }),
            el("td", { class: "num", text: number(s.count) }),
            el("td", { class: "num", text: s.conversion === null ? "–" : Math.round(s.conversion * 100) + " %" }),
            el("td", { class: "num", text: s.medianSeconds === null ? "–" : "≤ " + duration(s.medianSeconds) }),
          ]));
        });
        clear($("funnel-channels")).appendChild(sliceTable(f.byChannel, "Channel", ["opened", "received", "verified"]));
        clear($("funnel-countries")).appendChild(sliceTable(f.byCountry, "Country", ["shown", "opened", "verified"]));
        var actions = clear($("funnel-actions"));
        if (!f.openedBy.length) actions.appendChild(el("p", { class: "muted", text: "Nothing yet." }));
        f.openedBy.forEach(function (a) {
          actions.appendChild(el("p", {}, [el("strong", { text: number(a.count) }), el("span", { text: " " + a.key.replace(/_/g, " ").toLowerCase() })]));
        });
      });
  };

  /* ---------- orders ---------- */

  var ORDER_FIELDS = "id number channel decision score state decidedAt total phoneHint challengeStatus staffDecision { action by reason at } dashboardPath dashboardUrl reasons { rule weight explanation }";
  var MODE_WORDS = { RISK_BASED: "Risky orders only", ALWAYS: "Every order", OFF: "Never" };
  var SMS_WORDS = {
    PENDING: "SMS pending", VERIFIED: "SMS verified", EXPIRED: "SMS expired", REJECTED: "SMS rejected",
    APPROVED: "Approved by staff", REJECTED_BY_STAFF: "Rejected by staff",
  };

  function staffLine(decision) {
    if (!decision) return null;
    var verb = decision.action === "APPROVED" ? "Approved" : "Rejected";
    return el("p", { class: "staff-decision" }, [
      el("strong", { text: verb + " by " + decision.by }),
      decision.reason ? ": " + decision.reason : null,
      el("span", { class: "muted", text: " · " + dateTime(decision.at) }),
    ]);
  }

  loaders.orders = function () {
    if (state.orderId) {
      /* Opened from an order's menu (ORDER_DETAILS_MORE_ACTIONS on Saleor < 3.22). */
      Array.prototype.forEach.call(document.querySelectorAll(".seg"), function (seg) { seg.setAttribute("aria-pressed", "false"); });
      return api("query($id: ID!) { order(id: $id) { " + ORDER_FIELDS + " } }", { id: state.orderId }).then(function (data) {
        var list = clear($("order-list"));
        list.appendChild(data.order ? orderCard(data.order) : el("div", { class: "card muted", text: "Reverse OTP has not scored this order." }));
      });
    }
    var query = "query($state: String) { orders(state: $state, limit: 100) { " + ORDER_FIELDS + " } }";
    var decide = state.ordersFilter === "DECIDE";
    return api(query, { state: decide ? "HELD" : state.ordersFilter || null }).then(function (data) {
      var list = clear($("order-list"));
      var orders = decide ? data.orders.filter(needsDecision) : data.orders;
      if (!orders.length) {
        var empty = decide ? "No order needs your decision." : state.ordersFilter === "HELD" ? "No order is held right now." : "No order decided yet.";
        list.appendChild(el("div", { class: "card muted", text: empty }));
      }
      orders.forEach(function (order) { list.appendChild(orderCard(order)); });
    });
  };

  function needsDecision(order) {
    return order.state === "HELD" && order.challengeStatus !== "PENDING";
  }

  function stateWords(order) {
    if (order.state !== "HELD") return label(order.state);
    return needsDecision(order) ? "Needs your decision" : "Waiting for the shopper's SMS";
  }

  function orderCard(order) {
    var reasons = el("ul", { class: "reasons" }, order.reasons.map(function (r) {
      return el("li", {}, [el("span", { class: "weight", text: (r.weight > 0 ? "+" : "") + number(r.weight, 1) }), el("span", { text: r.explanation })]);
    }));
    if (!order.reasons.length) reasons = el("p", { class: "muted", text: "No risk rule fired." });
    var card = el("article", { class: "order", "data-order-id": order.id }, [
      el("div", { class: "order-head" }, [
        el("a", { class: "number", href: order.dashboardUrl, target: "_blank", rel: "noopener noreferrer", text: "Order #" + order.number, onclick: openInSaleor(order) }),
        el("span", { class: "badge state-" + order.state.toLowerCase(), text: stateWords(order) }),
        order.challengeStatus && order.challengeStatus !== "PENDING" ? el("span", { class: "badge status-" + order.challengeStatus.toLowerCase().replace(/_/g, "-"), text: SMS_WORDS[order.challengeStatus] || "SMS " + label(order.challengeStatus) }) : null,
        el("span", { class: "spacer" }),
        el("span", { class: "score" }, ["Risk score ", el("strong", { text: number(order.score, 1) })]),
      ]),
      el("div", { class: "order-meta", text: [order.total, order.channel, order.phoneHint, dateTime(order.decidedAt)].filter(Boolean).join(" · ") }),
      staffLine(order.staffDecision),
      reasons,
    ]);
    if (order.state === "HELD") card.appendChild(orderActions(order));
    return card;
  }

  function orderActions(order) {
    var reason = el("input", { type: "text", placeholder: "Reason (required to reject)", "aria-label": "Reason", maxlength: "500" });
    var note = el("small", { class: "field-error" });
    function decide(approve) {
      return function () {
        var mutation = approve
          ? "mutation($id: ID!, $reason: String!) { approveOrder(orderId: $id, reason: $reason) { order { state } errors { field message } } }"
          : "mutation($id: ID!, $reason: String!) { rejectOrder(orderId: $id, reason: $reason) { order { state } errors { field message } } }";
        note.textContent = "";
        buttons.forEach(function (b) { b.disabled = true; });
        api(mutation, { id: order.id, reason: reason.value }).then(function (data) {
          var result = approve ? data.approveOrder : data.rejectOrder;
          if (result.errors.length) {
            note.textContent = result.errors[0].message;
            buttons.forEach(function (b) { b.disabled = false; });
            return;
          }
          loaders.orders().catch(fail);
        }).catch(function (error) {
          buttons.forEach(function (b) { b.disabled = false; });
          fail(error);
        });
      };
    }
    var buttons = [
      el("button", { type: "button", class: "btn primary small", text: "Approve", onclick: decide(true) }),
      el("button", { type: "button", class: "btn danger small", text: "Reject", onclick: decide(false) }),
    ];
    return el("div", { class: "order-actions" }, [reason].concat(buttons).concat([note]));
  }

  /* ---------- settings ---------- */

  var SETTINGS_FIELDS = "virtualNumber numbers { number countries isDefault } senderPolicy challengeMode codeLength codeAlphabet keyword ttlSeconds maxAttempts expiryPolicy rejectPolicy allowedOrigins outboundSmsPrice outboundSmsCurrency " +
    "providers { provider enabled inboundUrl twilioAuthTokenSet vonageSignatureSecretSet vonageSignatureMethod plivoAuthTokenSet telnyxPublicKeySet whatsappAppSecretSet whatsappVerifyTokenSet replacedSecretValidUntil } whatsappNumber previousInboundUrlsValidUntil " +
    "channels { channel challengeMode risk { rule value } }";
  var SCALAR_NAMES = ["virtualNumber", "senderPolicy", "challengeMode", "codeAlphabet", "keyword", "expiryPolicy", "rejectPolicy", "outboundSmsCurrency"];
  var NUMBER_NAMES = ["codeLength", "ttlSeconds", "maxAttempts", "outboundSmsPrice"];
  var SECRET_NAMES = ["twilioAuthToken", "vonageSignatureSecret", "plivoAuthToken", "telnyxPublicKey", "whatsappAppSecret", "whatsappVerifyToken"];

  loaders.settings = function () {
    var query = "query { settings { " + SETTINGS_FIELDS + " } riskRules { rule default description } channels { id slug name } }";
    return api(query).catch(function (error) {
      /* Settings stay editable when Saleor's channel list is unavailable. */
      return api("query { settings { " + SETTINGS_FIELDS + " } riskRules { rule default description } }").then(function (data) {
        data.channels = [];
        banner("Saleor's channel list is unavailable: " + error.message);
        return data;
      });
    }).then(function (data) {
      state.rules = data.riskRules;
      state.channels = data.channels;
      fillSettings(data.settings);
      var rules = clear($("rule-list"));
      data.riskRules.forEach(function (rule) {
        rules.appendChild(el("tr", {}, [el("td", {}, [el("code", { text: rule.rule })]), el("td", { class: "num", text: number(rule.default, 2) }), el("td", { text: rule.description })]));
      });
    });
  };

  function form() { return $("settings-form"); }

  function fillSettings(settings) {
    state.settings = settings;
    var f = form();
    SCALAR_NAMES.concat(NUMBER_NAMES).forEach(function (name) { f.elements[name].value = settings[name]; });
    f.elements.allowedOrigins.value = settings.allowedOrigins.join("\n");
    f.elements.whatsappNumber.value = settings.whatsappNumber || "";
    f.elements.countryNumbers.value = settings.numbers.filter(function (n) { return !n.isDefault; })
      .map(function (n) { return n.number + " " + n.countries.join(" "); }).join("\n");
    settings.providers.forEach(function (p) {
      var box = document.querySelector('.provider[data-provider="' + p.provider + '"]');
      if (!box) return;
      box.querySelector('input[name="enabled"]').checked = p.enabled;
      box.querySelector('[data-role="inbound-url"]').value = p.inboundUrl;
      Array.prototype.forEach.call(box.querySelectorAll("input[data-secret]"), function (input) {
        input.value = "";
        input.placeholder = p[input.getAttribute("data-secret")] ? "Saved (hidden): type to replace" : "Not set";
        if (p.replacedSecretValidUntil) input.placeholder += "; the replaced one works until " + dateTime(p.replacedSecretValidUntil);
      });
      var method = box.querySelector('input[name="vonageSignatureMethod"]');
      if (method) method.value = p.vonageSignatureMethod || "";
    });
    $("rotate-status").textContent = settings.previousInboundUrlsValidUntil
      ? "The previous inbound URLs and signing secret work until " + dateTime(settings.previousInboundUrlsValidUntil) + "."
      : "";
    renderChannelRules(settings);
    clearErrors();
  }

  function collectNumbers(f) {
    var saved = (state.settings && state.settings.numbers || []).filter(function (n) { return n.isDefault; })[0];
    var main = f.elements.virtualNumber.value.trim();
    var numbers = main ? [{ number: main, countries: saved ? saved.countries : [], isDefault: true }] : [];
    f.elements.countryNumbers.value.split("\n").forEach(function (line) {
      var parts = line.trim().split(/[\s,;]+/).filter(Boolean);
      if (!parts.length) return;
      var number = parts[0];
      var rest = parts.slice(1);
      while (rest.length && /^[\d()-]+$/.test(rest[0])) number += rest.shift();
      numbers.push({ number: number, countries: rest.map(function (c) { return c.toUpperCase(); }), isDefault: false });
    });
    return numbers;
  }

  function rotateInbound() {
    var hours = parseInt($("rotate-hours").value, 10);
    var status = $("rotate-status");
    status.textContent = "Creating…";
    var mutation = "mutation($hours: Int!) { rotateInboundCredentials(overlapHours: $hours) { settings { " + SETTINGS_FIELDS + " } errors { field message } } }";
    api(mutation, { hours: isNaN(hours) ? 24 : hours }).then(function (data) {
      var result = data.rotateInboundCredentials;
      if (result.errors.length) { status.textContent = result.errors[0].message; return; }
      fillSettings(result.settings);
      if (!result.settings.previousInboundUrlsValidUntil) status.textContent = "New inbound URLs; the previous ones no longer work.";
    }).catch(function (error) { status.textContent = ""; fail(error); });
  }

  function renderChannelRules(settings) {
    var box = clear($("channel-rules"));
    var slugs = [];
    state.channels.forEach(function (c) { slugs.push(c.slug); });
    settings.channels.forEach(function (c) { if (slugs.indexOf(c.channel) < 0) slugs.push(c.channel); });
    if (!slugs.length) box.appendChild(el("p", { class: "muted", text: "No channel found in Saleor." }));
    slugs.forEach(function (slug) {
      var current = settings.channels.filter(function (c) { return c.channel === slug; })[0] || { challengeMode: null, risk: [] };
      var mode = el("select", { "data-channel-mode": slug, "aria-label": "Challenge mode in " + slug }, [
        el("option", { value: "", text: "Like the shop" }),
        el("option", { value: "RISK_BASED", text: "Risky orders only" }),
        el("option", { value: "ALWAYS", text: "Every order" }),
        el("option", { value: "OFF", text: "Never" }),
      ]);
      mode.value = current.challengeMode || "";
      var rules = el("textarea", { rows: "3", "data-channel-risk": slug, "aria-label": "Risk overrides in " + slug, placeholder: "none (e.g. challenge_at = 40)" });
      rules.value = current.risk.map(function (r) { return r.rule + " = " + r.value; }).join("\n");
      var name = state.channels.filter(function (c) { return c.slug === slug; })[0];
      box.appendChild(el("div", { class: "channel-rules" }, [
        el("div", { class: "field" }, [el("h3", { text: name ? name.name : slug }), el("span", { class: "muted", text: slug }), mode]),
        el("label", { class: "field" }, [el("span", { text: "Overrides" }), rules, el("small", { class: "field-error", "data-error-for": "channels." + slug + ".risk" })]),
      ]));
    });
  }

  function parseRisk(text, slug, problems) {
    var risk = [];
    text.split("\n").forEach(function (line, index) {
      var trimmed = line.trim();
      if (!trimmed) return;
      var parts = trimmed.split(/\s*[=:]\s*/);
      var value = Number(parts[1]);
      if (parts.length !== 2 || !parts[0] || parts[1] === "" || isNaN(value)) {
        problems.push({ field: "channels." + slug + ".risk", message: "Line " + (index + 1) + " should look like “rule = number”." });
        return;
      }
      risk.push({ rule: parts[0], value: value });
    });
    return risk;
  }

  function collectSettings(problems) {
    var f = form();
    var input = {};
    SCALAR_NAMES.forEach(function (name) { input[name] = f.elements[name].value; });
    NUMBER_NAMES.forEach(function (name) {
      var raw = f.elements[name].value.trim();
      var value = Number(raw);
      if (raw === "" || isNaN(value)) problems.push({ field: name, message: "Enter a number." });
      else input[name] = name === "outboundSmsPrice" ? value : Math.round(value);
    });
    input.numbers = collectNumbers(f);
    input.whatsappNumber = f.elements.whatsappNumber.value.trim() || null;
    input.allowedOrigins = f.elements.allowedOrigins.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
    input.providers = Array.prototype.map.call(document.querySelectorAll(".provider"), function (box) {
      var change = { provider: box.getAttribute("data-provider"), enabled: box.querySelector('input[name="enabled"]').checked };
      SECRET_NAMES.forEach(function (name) {
        var field = box.querySelector('input[name="' + name + '"]');
        if (field && field.value) {
          change[name] = field.value;
          change.keepReplacedSecretHours = parseInt(f.elements.keepReplacedSecretHours.value, 10) || 0;
        }
      });
      var method = box.querySelector('input[name="vonageSignatureMethod"]');
      if (method) change.vonageSignatureMethod = method.value.trim() || null;
      return change;
    });
    input.channels = Array.prototype.map.call(document.querySelectorAll("[data-channel-mode]"), function (select) {
      var slug = select.getAttribute("data-channel-mode");
      var text = document.querySelector('[data-channel-risk="' + slug + '"]').value;
      return { channel: slug, challengeMode: select.value || null, risk: parseRisk(text, slug, problems) };
    });
    return input;
  }

  function clearErrors() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-error-for]"), function (node) { node.textContent = ""; });
    Array.prototype.forEach.call(document.querySelectorAll(".invalid"), function (node) { node.classList.remove("invalid"); });
    $("settings-errors").hidden = true;
  }

  function showErrors(errors) {
    clearErrors();
    var general = [];
    errors.forEach(function (error) {
      var slot = document.querySelector('[data-error-for="' + CSS.escape(error.field) + '"]');
      if (!slot) slot = document.querySelector('[data-error-for="' + CSS.escape(error.field.split(".")[0]) + '"]');
      if (slot) {
        slot.textContent = slot.textContent ? slot.textContent + " " + error.message : error.message;
        var control = form().elements[error.field];
        if (control && control.classList) control.classList.add("invalid");
      } else {
        general.push(error.message);
      }
    });
    var box = $("settings-errors");
    box.textContent = errors.length === 1 ? "Please fix the field marked below." : "Please fix the " + errors.length + " problems marked below.";
    if (general.length) box.textContent += " " + general.join(" ");
    box.hidden = false;
    var first = document.querySelector(".field-error:not(:empty)");
    if (first && first.scrollIntoView) first.scrollIntoView({ block: "center" });
  }

  function saveSettings(event) {
    event.preventDefault();
    if (!state.token) {
      $("settings-status").textContent = "Not saved.";
      fail(new ApiError(401, NOT_IN_SALEOR));
      return;
    }
    var problems = [];
    var input = collectSettings(problems);
    if (problems.length) { showErrors(problems); return; }
    var status = $("settings-status");
    status.textContent = "Saving…";
    var mutation = "mutation($input: SettingsInput!) { updateSettings(input: $input) { settings { " + SETTINGS_FIELDS + " } errors { field message } } }";
    api(mutation, { input: input }).then(function (data) {
      var result = data.updateSettings;
      if (result.errors.length) {
        status.textContent = "Not saved.";
        showErrors(result.errors);
        return;
      }
      fillSettings(result.settings);
      status.textContent = "Saved.";
      refreshProblemCount();
    }).catch(function (error) { status.textContent = "Not saved."; fail(error); });
  }

  /* ---------- channels ---------- */

  loaders.channels = function () {
    return api("query { channels { id slug name autoConfirm canHold challengeMode } }").then(function (data) {
      var body = clear($("channel-list"));
      if (!data.channels.length) body.appendChild(el("tr", {}, [el("td", { colspan: "5", class: "empty", text: "No channel found." })]));
      data.channels.forEach(function (c) {
        var action = c.autoConfirm
          ? el("button", { type: "button", class: "btn primary small", text: "Switch auto-confirm off", onclick: function (event) { disableAutoConfirm(c, event.target); } })
          : el("span", { class: "muted", text: "Nothing to do" });
        body.appendChild(el("tr", { "data-channel": c.slug }, [
          el("td", {}, [el("strong", { text: c.name }), el("div", { class: "muted", text: c.slug })]),
          el("td", {}, [el("span", { class: "badge " + (c.autoConfirm ? "no" : "yes"), text: c.autoConfirm ? "On" : "Off" })]),
          el("td", {}, [el("span", { class: "badge " + (c.canHold ? "yes" : "no"), text: c.canHold ? "Yes" : "No: Saleor confirms orders itself" })]),
          el("td", { text: MODE_WORDS[c.challengeMode] || label(c.challengeMode) }),
          el("td", { class: "num" }, [action]),
        ]));
      });
    });
  };

  function disableAutoConfirm(channel, button) {
    button.disabled = true;
    api("mutation($id: ID!) { disableAutoConfirm(channelId: $id) { channel { slug autoConfirm } errors { field message } } }", { id: channel.id })
      .then(function (data) {
        var result = data.disableAutoConfirm;
        if (result.errors.length) { banner(result.errors[0].message); button.disabled = false; return; }
        loaders.channels().catch(fail);
        refreshProblemCount();
      }).catch(function (error) { button.disabled = false; fail(error); });
  }

  /* ---------- test ---------- */

  loaders.test = function () { return Promise.resolve(); };

  function sendTest(event) {
    event.preventDefault();
    var box = $("test-result");
    var button = event.target.querySelector("button");
    button.disabled = true;
    box.hidden = false;
    box.className = "result";
    box.textContent = "Sending…";
    var phone = event.target.elements.phone.value.trim();
    api("mutation($phone: String) { sendTestSms(phone: $phone) { ok message challengeId challengeStatus httpStatus smsFrom smsTo smsText } }", { phone: phone || null })
      .then(function (data) {
        var r = data.sendTestSms;
        box.className = "result " + (r.ok ? "ok" : "bad");
        clear(box);
        box.appendChild(el("strong", { text: r.message }));
        if (r.challengeId) {
          var rows = [["From", r.smsFrom], ["To", r.smsTo], ["Text", r.smsText], ["Inbound endpoint", "HTTP " + r.httpStatus], ["Test challenge", SMS_WORDS[r.challengeStatus] || label(r.challengeStatus)]];
          box.appendChild(el("dl", {}, rows.reduce(function (all, row) {
            return all.concat([el("dt", { text: row[0] }), el("dd", { text: row[1] })]);
          }, [])));
        }
      }).catch(function (error) { box.hidden = true; fail(error); })
      .then(function () { button.disabled = false; });
  }

  /* ---------- problems ---------- */

  loaders.problems = function () {
    return api("query { problems { code severity message section } deadLetters(limit: 100) { at job error orderId } }").then(function (data) {
      var list = clear($("problem-list"));
      if (!data.problems.length) list.appendChild(el("li", { class: "none", text: "Nothing to fix: the app can hold and release orders." }));
      data.problems.forEach(function (p) {
        var go = p.section !== "problems" ? el("button", { type: "button", class: "go", text: "Open " + label(p.section), onclick: function () { show(p.section); } }) : null;
        list.appendChild(el("li", { class: p.severity, "data-code": p.code }, [el("span", { text: p.message }), go]));
      });
      var body = clear($("dead-list"));
      if (!data.deadLetters.length) body.appendChild(el("tr", {}, [el("td", { colspan: "3", class: "empty", text: "No failed job." })]));
      data.deadLetters.forEach(function (d) {
        body.appendChild(el("tr", {}, [
          el("td", { class: "nowrap", text: dateTime(d.at) }),
          el("td", {}, [el("code", { text: d.job }), d.orderId ? el("span", { class: "id", text: d.orderId }) : null]),
          el("td", { text: d.error }),
        ]));
      });
    });
  };

  /* ---------- wiring ---------- */

  Array.prototype.forEach.call(document.querySelectorAll(".tab"), function (tab) {
    tab.addEventListener("click", function () { show(tab.getAttribute("data-section")); });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".seg"), function (seg) {
    seg.addEventListener("click", function () {
      state.orderId = null;
      state.ordersFilter = seg.getAttribute("data-orders");
      Array.prototype.forEach.call(document.querySelectorAll(".seg"), function (other) {
        other.setAttribute("aria-pressed", String(other === seg));
      });
      loaders.orders().catch(fail);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('[data-role="copy"]'), function (button) {
    button.addEventListener("click", function () {
      var input = button.parentNode.querySelector("input");
      input.select();
      if (navigator.clipboard) navigator.clipboard.writeText(input.value).catch(function () {});
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = "Copy"; }, 1500);
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll('[data-role="reveal"]'), function (button) {
    button.addEventListener("click", function () {
      api("mutation { revealGenericSecret }").then(function (data) {
        button.parentNode.querySelector("input").value = data.revealGenericSecret;
      }).catch(fail);
    });
  });
  $("orders-refresh").addEventListener("click", function () { loaders.orders().catch(fail); });
  form().addEventListener("submit", saveSettings);
  $("rotate-inbound").addEventListener("click", rotateInbound);
  $("funnel-days").addEventListener("change", function () { loaders.funnel().catch(fail); });
  $("test-form").addEventListener("submit", sendTest);
  window.addEventListener("message", onMessage);

  var initial = (window.location.hash || "").slice(1);
  if (loaders[initial]) state.section = initial;
  state.orderId = params.get("orderId");
  if (state.orderId) state.section = "orders";
  if (outsideSaleor()) {
    document.querySelector(".shell").hidden = true;
    $("outside").hidden = false;
    setConnection(false, NOT_IN_SALEOR);
  }
  show(state.section);
  if (window.parent !== window) {
    sendAction("notifyReady", {});
  }
})();

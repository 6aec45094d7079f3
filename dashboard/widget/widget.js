/* Reverse OTP storefront widget: <reverse-otp-challenge>. No dependencies. */
(() => {
  "use strict";
  if (customElements.get("reverse-otp-challenge")) return;

  const SCRIPT_ORIGIN = document.currentScript ? new URL(document.currentScript.src).origin : "";
  const FIELDS = "id status code smsNumber smsBody smsUri qrCodeSvg whatsappUri expiresAt phoneHint orderId checkoutId";
  const QUERIES = {
    "order-id": `query($id: ID!) { c: orderChallenge(orderId: $id) { ${FIELDS} } }`,
    "checkout-id": `query($id: ID!) { c: checkoutChallenge(checkoutId: $id) { ${FIELDS} } }`,
    "challenge-id": `query($id: ID!) { c: challenge(id: $id) { ${FIELDS} } }`,
  };
  const RENEW = `mutation($id: ID!) { c: renewChallenge(id: $id) { ${FIELDS} } }`;
  const OPENED = (action) => `mutation($id: ID!) { c: challengeOpened(id: $id, action: ${action}) }`;
  const UPDATES = `subscription($id: ID!) { c: challengeUpdated(id: $id) { ${FIELDS} } }`;
  const FINAL = new Set(["VERIFIED", "REJECTED", "NOT_REQUIRED"]);
  const POLL_MS = 4000;
  const WAIT_FOR_ORDER_MS = 60000;
  const RECONNECT_MS = [1000, 3000, 10000, 30000];

  const TEXT = {
    en: {
      title: "Confirm your order with one text message",
      intro: "To protect this order, please send the code below by SMS from the phone number you gave{hint}. Your usual SMS rates apply.",
      hint: " ({phone})",
      button: "Send the SMS",
      whatsapp: "Send on WhatsApp",
      whatsappNote: "Opens WhatsApp, on this device or in WhatsApp Web, with the code filled in.",
      buttonNote: "Opens your messaging app with everything filled in: just press send.",
      scan: "Scan with your phone's camera: it opens a text message ready to send.",
      manual: "Or text the code {code} to {number}.",
      code: "Your code",
      copy: "Copy code",
      copied: "Code copied",
      validFor: "Valid for {time}",
      waiting: "Waiting for your text message…",
      expired: "This code has expired.",
      renew: "Get a new code",
      renewing: "Getting a new code…",
      renewed: "New code ready. The previous code no longer works.",
      limit: "No more new codes are available. Please contact the shop.",
      verified: "Thank you, your text message has arrived.",
      verifiedNote: "Your order can now be processed.",
      rejected: "We could not confirm this order by text message.",
      rejectedNote: "The shop will review your order and may contact you.",
      error: "The verification could not be loaded. Please reload the page.",
    },
    de: {
      title: "Bestellung mit einer SMS bestätigen",
      intro: "Zum Schutz dieser Bestellung senden Sie bitte den folgenden Code per SMS von der angegebenen Telefonnummer{hint}. Es gelten Ihre üblichen SMS-Gebühren.",
      hint: " ({phone})",
      button: "SMS senden",
      whatsapp: "Per WhatsApp senden",
      whatsappNote: "Öffnet WhatsApp auf diesem Gerät oder in WhatsApp Web, mit dem Code ausgefüllt.",
      buttonNote: "Öffnet Ihre Nachrichten-App mit allem ausgefüllt: einfach auf Senden tippen.",
      scan: "Mit der Handykamera scannen: Es öffnet sich eine fertige SMS.",
      manual: "Oder senden Sie den Code {code} per SMS an {number}.",
      code: "Ihr Code",
      copy: "Code kopieren",
      copied: "Code kopiert",
      validFor: "Gültig für {time}",
      waiting: "Wir warten auf Ihre SMS…",
      expired: "Dieser Code ist abgelaufen.",
      renew: "Neuen Code anfordern",
      renewing: "Neuer Code wird erstellt…",
      renewed: "Neuer Code bereit. Der vorige Code gilt nicht mehr.",
      limit: "Es sind keine weiteren Codes möglich. Bitte wenden Sie sich an den Shop.",
      verified: "Danke, Ihre SMS ist angekommen.",
      verifiedNote: "Ihre Bestellung kann jetzt bearbeitet werden.",
      rejected: "Diese Bestellung konnte nicht per SMS bestätigt werden.",
      rejectedNote: "Der Shop prüft Ihre Bestellung und meldet sich gegebenenfalls.",
      error: "Die Bestätigung konnte nicht geladen werden. Bitte laden Sie die Seite neu.",
    },
    fr: {
      title: "Confirmez votre commande par un SMS",
      intro: "Pour protéger cette commande, envoyez le code ci-dessous par SMS depuis le numéro indiqué{hint}. Le coût d'un SMS habituel s'applique.",
      hint: " ({phone})",
      button: "Envoyer le SMS",
      whatsapp: "Envoyer sur WhatsApp",
      whatsappNote: "Ouvre WhatsApp, sur cet appareil ou dans WhatsApp Web, avec le code déjà rempli.",
      buttonNote: "Ouvre votre application de messages déjà remplie : il suffit d'appuyer sur envoyer.",
      scan: "Scannez avec l'appareil photo de votre téléphone : un SMS prêt à partir s'ouvre.",
      manual: "Ou envoyez le code {code} par SMS au {number}.",
      code: "Votre code",
      copy: "Copier le code",
      copied: "Code copié",
      validFor: "Valable encore {time}",
      waiting: "En attente de votre SMS…",
      expired: "Ce code a expiré.",
      renew: "Obtenir un nouveau code",
      renewing: "Création d'un nouveau code…",
      renewed: "Nouveau code prêt. L'ancien code ne fonctionne plus.",
      limit: "Plus aucun nouveau code n'est disponible. Veuillez contacter la boutique.",
      verified: "Merci, votre SMS est bien arrivé.",
      verifiedNote: "Votre commande peut maintenant être traitée.",
      rejected: "Nous n'avons pas pu confirmer cette commande par SMS.",
      rejectedNote: "La boutique va examiner votre commande et pourra vous contacter.",
      error: "La vérification n'a pas pu être chargée. Veuillez recharger la page.",
    },
  };

  const STYLE = `
    :host { display: block; font-family: var(--rotp-font, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif);
      color: var(--rotp-color, #1a1a1a); }
    :host([hidden]) { display: none; }
    .card { background: var(--rotp-background, #ffffff); border: 1px solid var(--rotp-border, #c8c8c8);
      border-radius: var(--rotp-radius, 12px); padding: var(--rotp-padding, 20px); max-width: 560px; }
    h2 { font-size: 1.2em; margin: 0 0 .5em; }
    p { margin: .5em 0; line-height: 1.45; }
    .muted { color: var(--rotp-muted, #555555); font-size: .92em; }
    .code-row { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin: 14px 0; }
    .code { font: 700 2.1em/1.1 var(--rotp-code-font, ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace);
      letter-spacing: .12em; background: var(--rotp-code-background, #f2f2f2); padding: 6px 12px;
      border-radius: 8px; user-select: all; }
    button, a.sms, a.whatsapp { font: inherit; cursor: pointer; border-radius: var(--rotp-radius, 12px); }
    button.secondary { background: transparent; color: var(--rotp-accent, #0b57d0);
      border: 2px solid var(--rotp-accent, #0b57d0); padding: 8px 14px; font-weight: 600; }
    a.sms, button.primary { display: block; text-align: center; text-decoration: none; font-weight: 700;
      font-size: 1.2em; padding: 18px 20px; margin: 14px 0 6px; background: var(--rotp-accent, #0b57d0);
      color: var(--rotp-accent-text, #ffffff); border: none; width: 100%; box-sizing: border-box; }
    a.whatsapp { display: block; text-align: center; text-decoration: none; font-weight: 700;
      font-size: 1.1em; padding: 14px 20px; margin: 14px 0 6px; width: 100%; box-sizing: border-box;
      background: var(--rotp-whatsapp, #1a7f37); color: #ffffff; }
    a:focus-visible, button:focus-visible { outline: 3px solid var(--rotp-focus, #ff9e1b); outline-offset: 2px; }
    .qr-box { display: flex; gap: 18px; align-items: center; flex-wrap: wrap; margin: 12px 0; }
    .qr { background: #ffffff; padding: 8px; border-radius: 8px; border: 1px solid var(--rotp-border, #c8c8c8);
      width: 200px; height: 200px; }
    .qr img { width: 100%; height: 100%; display: block; image-rendering: pixelated; }
    .qr-text { flex: 1 1 200px; }
    .status { font-weight: 600; margin-top: 10px; }
    .success { color: var(--rotp-success, #0a6b2e); }
    .failure { color: var(--rotp-error, #a50e0e); }
    .big-icon { font-size: 2.4em; line-height: 1; }
    .countdown { font-variant-numeric: tabular-nums; }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : ""));
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  function spelled(code) {
    return code.split("").join(" ");
  }

  class ReverseOtpChallenge extends HTMLElement {
    static get observedAttributes() {
      return ["order-id", "checkout-id", "challenge-id", "saleor-api-url", "api-base", "lang", "layout"];
    }

    constructor() {
      super();
      this.root = this.attachShadow({ mode: "open" });
      this.root.append(el("style", {}, STYLE));
      this.body = el("div", { class: "card", part: "card" });
      this.live = el("div", { class: "sr-only", role: "status", "aria-live": "polite" });
      this.root.append(this.body, this.live);
      this.challenge = null;
      this.message = "";
      this.timers = new Set();
    }

    connectedCallback() { this.start(); }
    disconnectedCallback() { this.stop(); }
    attributeChangedCallback() { if (this.isConnected && this.started) { this.stop(); this.start(); } }

    get apiBase() { return (this.getAttribute("api-base") || SCRIPT_ORIGIN).replace(/\/$/, ""); }
    get text() {
      const wanted = (this.getAttribute("lang") || document.documentElement.lang || navigator.language || "en");
      return TEXT[wanted.slice(0, 2).toLowerCase()] || TEXT.en;
    }
    get isPhone() {
      const layout = this.getAttribute("layout");
      if (layout === "phone" || layout === "desktop") return layout === "phone";
      return matchMedia("(max-width: 640px), (pointer: coarse) and (max-width: 900px)").matches;
    }

    start() {
      this.started = true;
      this.generation = (this.generation || 0) + 1;
      const subject = Object.keys(QUERIES).find((name) => this.getAttribute(name));
      if (!subject || !this.getAttribute("saleor-api-url")) { this.hidden = true; return; }
      this.lookup(QUERIES[subject], this.getAttribute(subject), Date.now() + WAIT_FOR_ORDER_MS, this.generation);
      this.later(() => this.tick(), 1000, true);
    }

    stop() {
      this.started = false;
      this.generation = (this.generation || 0) + 1;
      for (const timer of this.timers) { clearTimeout(timer); clearInterval(timer); }
      this.timers.clear();
      if (this.socket) { this.socket.onclose = null; this.socket.close(); this.socket = null; }
    }

    later(fn, ms, repeat) {
      const timer = repeat ? setInterval(fn, ms) : setTimeout(() => { this.timers.delete(timer); fn(); }, ms);
      this.timers.add(timer);
      return timer;
    }

    async request(query, id) {
      const answer = await fetch(this.apiBase + "/graphql", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Saleor-Api-Url": this.getAttribute("saleor-api-url") },
        body: JSON.stringify({ query, variables: { id } }),
      });
      const result = await answer.json();
      const code = result.errors && result.errors[0] && result.errors[0].extensions && result.errors[0].extensions.code;
      if (code) { const error = new Error(code); error.code = code; throw error; }
      if (!answer.ok) throw new Error("HTTP " + answer.status);
      return result.data.c;
    }

    async lookup(query, id, deadline, generation) {
      let found;
      try {
        found = await this.request(query, id);
      } catch (error) {
        if (generation !== this.generation) return;
        if (Date.now() < deadline) { this.later(() => this.lookup(query, id, deadline, generation), POLL_MS); return; }
        this.show(null, this.text.error);
        return;
      }
      if (generation !== this.generation) return;
      if (!found) {
        this.hidden = true;
        if (Date.now() < deadline) this.later(() => this.lookup(query, id, deadline, generation), POLL_MS / 2);
        return;
      }
      this.update(found);
      if (!FINAL.has(found.status)) this.subscribe(generation, 0);
    }

    update(challenge) {
      const before = this.challenge;
      this.challenge = challenge;
      if (!challenge || challenge.status === "NOT_REQUIRED") { this.hidden = true; }
      else { this.hidden = false; }
      const changed = !before || before.status !== challenge.status || before.code !== challenge.code;
      if (before && challenge.status === "PENDING" && before.code !== challenge.code) this.message = this.text.renewed;
      if (changed) {
        this.render();
        this.announce(challenge);
        this.dispatchEvent(new CustomEvent("reverse-otp-status", {
          bubbles: true, composed: true, detail: { status: challenge.status, challengeId: challenge.id },
        }));
      }
      if (FINAL.has(challenge.status)) this.stop();
    }

    announce(challenge) {
      const t = this.text;
      const words = {
        PENDING: this.message === t.renewed ? t.renewed : t.waiting,
        EXPIRED: t.expired, VERIFIED: t.verified, REJECTED: t.rejected,
      }[challenge.status];
      if (words) this.live.textContent = words;
    }

    subscribe(generation, attempt) {
      if (generation !== this.generation || !this.challenge || !this.challenge.id) return;
      let socket;
      try {
        socket = new WebSocket(this.apiBase.replace(/^http/, "ws") + "/graphql", "graphql-transport-ws");
      } catch (error) { this.poll(generation, attempt); return; }
      this.socket = socket;
      let healthy = false;
      socket.onopen = () => socket.send(JSON.stringify({
        type: "connection_init", payload: { saleorApiUrl: this.getAttribute("saleor-api-url") },
      }));
      socket.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === "connection_ack") {
          healthy = true;
          socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: UPDATES, variables: { id: this.challenge.id } } }));
        } else if (message.type === "ping") {
          socket.send(JSON.stringify({ type: "pong" }));
        } else if (message.type === "next" && message.payload && message.payload.data) {
          const next = message.payload.data.c;
          if (next) this.update(next);
        }
      };
      socket.onclose = () => {
        if (this.socket === socket) this.socket = null;
        if (generation !== this.generation) return;
        this.poll(generation, healthy ? 0 : attempt + 1);
      };
    }

    poll(generation, attempt) {
      if (generation !== this.generation) return;
      const id = this.challenge.id;
      const step = async () => {
        if (generation !== this.generation) return;
        try { const next = await this.request(QUERIES["challenge-id"], id); if (next) this.update(next); } catch (error) { /* keep polling */ }
        if (generation === this.generation && !this.socket) this.later(step, POLL_MS);
      };
      this.later(step, POLL_MS);
      const wait = RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)];
      this.later(() => { if (!this.socket) this.subscribe(generation, attempt); }, wait);
    }

    async renew() {
      const t = this.text;
      if (this.message === t.renewing) return;
      this.message = t.renewing;
      const button = this.root.querySelector("button.renew");
      if (button) { button.textContent = t.renewing; button.setAttribute("aria-disabled", "true"); }
      try {
        const next = await this.request(RENEW, this.challenge.id);
        this.message = t.renewed;
        if (next) this.update(next);
        this.render();
        if (!this.socket) this.subscribe(this.generation, 0);
      } catch (error) {
        this.message = error.code === "RENEWAL_LIMIT" ? t.limit : t.error;
        this.live.textContent = this.message;
        this.render();
      }
    }

    tick() {
      const challenge = this.challenge;
      const countdown = this.root.querySelector(".countdown");
      if (!challenge || challenge.status !== "PENDING" || !challenge.expiresAt) return;
      const left = Math.max(0, Math.round((Date.parse(challenge.expiresAt) - Date.now()) / 1000));
      if (countdown) countdown.textContent = fill(this.text.validFor, { time: `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` });
      if (left === 0) this.update({ ...challenge, status: "EXPIRED", code: null, smsBody: null, smsUri: null, qrCodeSvg: null, whatsappUri: null });
    }

    opened(action) {
      const id = this.challenge && this.challenge.id;
      this.reported = this.reported || new Set();
      if (!id || this.reported.has(id + action)) return;
      this.reported.add(id + action);
      this.request(OPENED(action), id).catch(() => {});
    }

    async copy() {
      const code = this.challenge && this.challenge.code;
      if (!code) return;
      this.opened("CODE_COPIED");
      try { await navigator.clipboard.writeText(code); } catch (error) {
        const range = document.createRange();
        range.selectNodeContents(this.root.querySelector(".code"));
        const selection = getSelection(); selection.removeAllRanges(); selection.addRange(range);
      }
      this.live.textContent = this.text.copied;
      const button = this.root.querySelector("button.copy");
      if (button) button.textContent = this.text.copied;
    }

    show(challenge, message) {
      this.hidden = false;
      this.body.replaceChildren(el("p", { class: "failure", part: "status" }, message));
      this.live.textContent = message;
    }

    render() {
      const c = this.challenge;
      const t = this.text;
      if (!c) return;
      this.setAttribute("status", c.status);
      const parts = [];
      if (c.status === "VERIFIED") {
        parts.push(el("div", { class: "big-icon success", "aria-hidden": "true" }, "✓"),
          el("h2", { class: "success", part: "title" }, t.verified), el("p", {}, t.verifiedNote));
      } else if (c.status === "REJECTED") {
        parts.push(el("h2", { class: "failure", part: "title" }, t.rejected), el("p", {}, t.rejectedNote));
      } else {
        parts.push(el("h2", { part: "title" }, t.title));
        if (c.status === "PENDING" && c.code) {
          parts.push(el("p", {}, fill(t.intro, { hint: c.phoneHint ? fill(t.hint, { phone: c.phoneHint }) : "" })),
            ...this.pendingParts(c, t));
        } else parts.push(...this.expiredParts(t));
      }
      const hadFocus = this.root.activeElement !== null;
      this.body.replaceChildren(...parts);
      if (hadFocus) this.focusFirst(["a.sms", ".code", "button.renew", "h2"]);
    }

    focusFirst(selectors) {
      for (const selector of selectors) {
        const target = this.root.querySelector(selector);
        if (!target) continue;
        if (!target.matches("a, button")) target.setAttribute("tabindex", "-1");
        target.focus();
        return;
      }
    }

    pendingParts(c, t) {
      const parts = [];
      const whatsapp = c.whatsappUri
        ? [el("a", { class: "whatsapp", href: c.whatsappUri, target: "_blank", rel: "noopener", part: "whatsapp-button", onclick: () => this.opened("WHATSAPP_LINK") }, t.whatsapp),
          el("p", { class: "muted" }, t.whatsappNote)]
        : [];
      if (this.isPhone) {
        parts.push(el("a", { class: "sms", href: c.smsUri, part: "sms-button", onclick: () => this.opened("SMS_LINK") }, t.button),
          el("p", { class: "muted" }, t.buttonNote), ...whatsapp);
      } else {
        parts.push(...whatsapp);
        queueMicrotask(() => this.opened("QR_SHOWN"));
        const image = el("img", { src: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(c.qrCodeSvg), alt: t.scan });
        parts.push(el("div", { class: "qr-box" }, el("div", { class: "qr", part: "qr" }, image),
          el("div", { class: "qr-text" }, el("p", {}, t.scan),
            el("p", { class: "muted" }, fill(t.manual, { code: c.code, number: c.smsNumber })))));
      }
      parts.push(el("div", { class: "code-row" },
        el("span", { class: "muted", id: "code-label" }, t.code),
        el("span", { class: "code", part: "code", "aria-label": spelled(c.code), "aria-describedby": "code-label" }, c.code),
        el("button", { class: "secondary copy", type: "button", onclick: () => this.copy() }, t.copy)));
      if (this.isPhone) parts.push(el("p", { class: "muted" }, fill(t.manual, { code: c.code, number: c.smsNumber })));
      parts.push(el("p", { class: "countdown muted", part: "countdown" }, ""),
        el("p", { class: "status", part: "status" }, this.message === t.renewed ? t.renewed : t.waiting));
      queueMicrotask(() => this.tick());
      return parts;
    }

    expiredParts(t) {
      const parts = [el("p", { class: "status failure", part: "status" }, t.expired)];
      if (this.message === t.limit || this.message === t.error) parts.push(el("p", { class: "failure" }, this.message));
      else parts.push(el("button", { class: "primary renew", type: "button", part: "renew-button", onclick: () => this.renew() }, t.renew));
      return parts;
    }
  }

  customElements.define("reverse-otp-challenge", ReverseOtpChallenge);
})();
